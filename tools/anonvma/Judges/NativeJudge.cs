using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Judges;

/// <summary>This machine's kernel, through the executor run directly: no VM, so differential tests cost almost nothing.</summary>
public sealed class NativeJudge : ExecutorJudge
{
    readonly string executor;
    readonly int callTimeoutMs;

    NativeJudge(string executor, KernelProfile profile, int callTimeoutMs)
    {
        this.executor = executor;
        this.callTimeoutMs = callTimeoutMs;
        Profile = profile;
    }

    public override string Name => $"native-{Profile.Name}";
    public override KernelProfile Profile { get; }

    /// <summary>Builds the executor if needed and probes the running kernel for its profile.</summary>
    public static NativeJudge Create(int callTimeoutMs = 2000)
    {
        var exe = EnsureExecutor();
        var profile = NativeProfile.Detect(exe);
        return new NativeJudge(exe, profile, callTimeoutMs);
    }

    protected override Shell.Result Execute(string batchPath, int traceCount, long callCount) =>
        Shell.Run(executor, ["--timeout-ms", callTimeoutMs.ToString(), batchPath],
            TimeSpan.FromSeconds(60 + traceCount * 2.0 * callTimeoutMs / 1000), Cancellation);
}

/// <summary>
/// Works out the running kernel's profile from what it does, not from its version string alone: a harmless prctl
/// for CONFIG_ANON_VMA_NAME, a read fault for the zero page, VmFlags for soft-dirty, sysfs for THP, and the release
/// for the anon_vma merge rule (changed in 6.16 by 879bca0a2c4f).
/// </summary>
public static class NativeProfile
{
    const ulong B = Trace.DefaultArenaBase, P = Mem.PageSize;

    /// <summary>A page mapped, named "x" and read.</summary>
    static readonly string Probe = WireFormat.Batch([new Trace("probe", B, 16 * P,
    [
        new MmapCall(0, B, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace),
        new NameCall(0, B, P, "x"),
        new TouchCall(0, B, Write: false),
    ])]);

    public static KernelProfile Detect(string executor)
    {
        string path = Path.Combine(Path.GetTempPath(), $"anonvma-probe-{Environment.ProcessId}.txt");
        File.WriteAllText(path, Probe);
        Shell.Result res;
        try { res = Shell.Run(executor, [path], TimeSpan.FromSeconds(30)); }
        finally { File.Delete(path); }
        var run = ExecutorOutput.Parse(res.Stdout, "probe").SingleOrDefault();
        if (run is not { End: RunEnd.Completed, Steps.Count: 3 })
            throw new InvalidOperationException($"the profile probe failed on this kernel: exit {res.ExitCode}\n{res.Stdout}{res.Stderr}");
        bool names = run.Steps[1].Result == "0";
        if (!names && run.Steps[1].Result != "-EINVAL")
            throw new InvalidOperationException($"the naming probe returned {run.Steps[1].Result}, neither 0 nor -EINVAL");
        var smaps = run.Steps[2].Processes.Single(p => p.Pid == 0).Smaps;
        bool zeroPage = smaps.Any(l => l.StartsWith("Rss:") && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        bool softDirty = smaps.Any(l => l.StartsWith("VmFlags:") && l.Split(' ').Contains("sd"));
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var (major, minor) = ParseRelease(release);
        return new KernelProfile
        {
            Name = release,
            AnonVmaName = names,
            ZeroPageOnRead = zeroPage,
            MergeRule = (major, minor).CompareTo((6, 16)) >= 0 ? AnonMergeRule.ForkChildOnly : AnonMergeRule.SingularChain,
            // 6.14 removed the lru_add_drain before unmapping (vms_clear_ptes, exit_mmap).
            DrainsBeforeUnmap = (major, minor).CompareTo((6, 14)) < 0,
            SoftDirty = softDirty,
            ThpBuiltIn = Directory.Exists("/sys/kernel/mm/transparent_hugepage"),
            HugeTlbPage = Directory.Exists("/sys/kernel/mm/hugepages"),
            MaxMapCount = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim()),
            MmapMinAddr = ulong.Parse(File.ReadAllText("/proc/sys/vm/mmap_min_addr").Trim()),
        };
    }

    static (int, int) ParseRelease(string release)
    {
        var parts = release.Split('.', '-');
        return parts.Length >= 2 && int.TryParse(parts[0], out var a) && int.TryParse(parts[1], out var b)
            ? (a, b) : throw new InvalidOperationException($"cannot read a version from kernel release '{release}'");
    }
}
