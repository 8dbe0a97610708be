namespace AnonVma.Judges;

/// <summary>
/// The one memory limit a native trace runs under, so that no trace (a huge MAP_POPULATE that passes the overcommit
/// check) can exhaust the machine: docs/OVERCOMMIT.md. Under QEMU the guest's RAM is the limit instead.
/// </summary>
public static class ExecutorMemory
{
    /// <summary>memory.max (cgroup v2) or memory.limit_in_bytes (v1) of the executor's trace processes; no swap.</summary>
    public const ulong LimitBytes = 512UL << 20;

    /// <summary>The limit as people read it.</summary>
    public static string Limit => $"{LimitBytes >> 20} MiB";

    /// <summary>A run's detail for a crash the OOM killer caused, naming the limit that applied; other details unchanged.</summary>
    public static string? Explain(string? detail, string limit) =>
        detail is not null && detail.Split(' ').Contains("oom-kill") // the executor's mark on an OOM-killed trace process
            ? $"killed by the memory limit ({limit}): {detail}"
            : detail;
}

/// <summary>
/// A memory cgroup made for one executor session, beneath the judge's own (cgroup v2's memory.max and memory.swap.max,
/// or v1's memory.limit_in_bytes and memory.memsw.limit_in_bytes), emptied and removed when disposed. The executor moves
/// each trace's first process into it (--cgroup), so the executor itself is never the OOM killer's choice, and every
/// trace process is killed with the session, even one orphaned outside the process tree.
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    public string Path { get; }

    MemoryCgroup(string path) => Path = path;

    /// <summary>Why the last attempt found no usable memory cgroup, or null when it made one.</summary>
    public static string? WhyNot { get; private set; }

    /// <summary>
    /// A fresh cgroup limited to <paramref name="bytes"/> (no limit when null: a cgroup only to hold and kill a session's
    /// trace processes), or null (and <see cref="WhyNot"/>) when cgroups are unavailable.
    /// </summary>
    public static MemoryCgroup? TryCreate(ulong? bytes)
    {
        var reasons = new List<string>();
        foreach (var (parent, v2) in Candidates())
        {
            string dir = System.IO.Path.Combine(parent, $"anonvma-exec-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
            try
            {
                Directory.CreateDirectory(dir);
                // No swap: v2 limits swap itself, v1 memory + swap to the memory limit.
                if (bytes is { } limit)
                {
                    var (max, swap, swapMax) = v2 ? ("memory.max", "memory.swap.max", "0") : ("memory.limit_in_bytes", "memory.memsw.limit_in_bytes", limit.ToString());
                    File.WriteAllText(System.IO.Path.Combine(dir, max), limit.ToString());
                    if (File.Exists(System.IO.Path.Combine(dir, swap))) File.WriteAllText(System.IO.Path.Combine(dir, swap), swapMax);
                }
                WhyNot = null;
                return new MemoryCgroup(dir);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                reasons.Add($"{dir}: {e.Message}");
                try { Directory.Delete(dir); } catch (Exception) { /* it was never made */ }
            }
        }
        WhyNot = reasons.Count == 0 ? "no cgroup v2 with the memory controller and no cgroup v1 memory hierarchy is mounted" : string.Join("; ", reasons);
        return null;
    }

    /// <summary>Where a child of this process's cgroup can go: v2 first when it offers the memory controller, then v1.</summary>
    static IEnumerable<(string dir, bool v2)> Candidates()
    {
        string[] mounts, groups;
        try { mounts = File.ReadAllLines("/proc/self/mounts"); groups = File.ReadAllLines("/proc/self/cgroup"); }
        catch (IOException) { yield break; }
        string? Own(Func<string, bool> hierarchy) =>
            groups.Select(l => l.Split(':', 3)).Where(f => f.Length == 3 && hierarchy(f[1])).Select(f => f[2]).FirstOrDefault();
        foreach (var m in mounts.Select(l => l.Split(' ')).Where(f => f.Length > 3))
        {
            if (m[2] == "cgroup2" && Own(h => h == "") is { } own2)
            {
                string dir = m[1] + own2.TrimEnd('/');
                string ctl = System.IO.Path.Combine(dir, "cgroup.subtree_control");
                if (File.Exists(ctl) && File.ReadAllText(ctl).Split(' ', '\n').Contains("memory")) yield return (dir, true);
            }
            else if (m[2] == "cgroup" && m[3].Split(',').Contains("memory") && Own(h => h.Split(',').Contains("memory")) is { } own1)
                yield return (m[1] + own1.TrimEnd('/'), false);
        }
    }

    /// <summary>
    /// The processes in the cgroup now. A trace process whose parent died is reparented to init and so escapes a kill of
    /// the executor's process tree; it never escapes its cgroup.
    /// </summary>
    public IReadOnlyList<int> Members()
    {
        try { return [.. File.ReadAllLines(System.IO.Path.Combine(Path, "cgroup.procs")).Select(int.Parse)]; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Kills every process left in the cgroup: cgroup v2's cgroup.kill, or each listed process under v1.</summary>
    void KillMembers()
    {
        string kill = System.IO.Path.Combine(Path, "cgroup.kill");
        try
        {
            if (File.Exists(kill)) { File.WriteAllText(kill, "1"); return; }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* then one by one */ }
        foreach (int pid in Members())
            try { using var p = System.Diagnostics.Process.GetProcessById(pid); p.Kill(); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception) { /* gone */ }
    }

    /// <summary>Kills what is left in the cgroup and removes it once its processes are gone (they may take a moment).</summary>
    public void Dispose()
    {
        KillMembers();
        for (int i = 0; i < 50; i++)
        {
            try { Directory.Delete(Path); return; }
            catch (DirectoryNotFoundException) { return; }
            catch (IOException) { Thread.Sleep(20); }
        }
        Console.Error.WriteLine($"anonvma: could not remove the memory cgroup {Path}");
    }
}
