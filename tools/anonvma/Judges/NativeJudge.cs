using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Judges;

/// <summary>This machine's kernel, through the executor run directly: no VM, so differential tests cost almost nothing.</summary>
public sealed class NativeJudge : ExecutorJudge
{
    readonly string executor;
    readonly int callTimeoutMs;

    NativeJudge(string executor, KernelProfile profile, int callTimeoutMs)
        : base($"native-{profile.Name}", profile, $"memory.max {ExecutorMemory.Limit} of the executor's cgroup (ExecutorMemory.LimitBytes)")
        => (this.executor, this.callTimeoutMs) = (executor, callTimeoutMs);

    /// <summary>Builds the executor if needed and probes the running kernel for its profile.</summary>
    /// <param name="callTimeoutMs">How long one call may take; an OOM kill at the memory limit can take a few seconds of reclaim first.</param>
    public static NativeJudge Create(int callTimeoutMs = 2000)
    {
        var exe = EnsureExecutor();
        var profile = NativeProfile.Detect(exe);
        return new NativeJudge(exe, profile, callTimeoutMs);
    }

    static int warned, sessions;

    protected override TimeSpan BatchTimeout(int traceCount, long callCount) => TimeSpan.FromSeconds(60 + traceCount * 2.0 * callTimeoutMs / 1000);

    /// <summary>A long-lived `anonvma-exec --serve` whose trace processes run in a fresh memory cgroup of their own, or unlimited (saying so once) without cgroups.</summary>
    protected override ExecutorSession StartSession()
    {
        var cgroup = MemoryCgroup.TryCreate(ExecutorMemory.LimitBytes);
        if (cgroup is null && Interlocked.Exchange(ref warned, 1) == 0)
            Console.Error.WriteLine($"anonvma: no memory cgroup, so native traces run without the {ExecutorMemory.Limit} limit: {MemoryCgroup.WhyNot}");
        string[] limit = cgroup is null ? [] : ["--cgroup", cgroup.Path];
        // Sessions take the cores in turn, so those that run side by side do not share one CPU's LRU batches.
        string cpu = (Interlocked.Increment(ref sessions) % Environment.ProcessorCount).ToString();
        return new ExecutorSession(executor, ["--serve", "--cpu", cpu, "--timeout-ms", callTimeoutMs.ToString(), .. limit], Name, TimeSpan.FromSeconds(30), cgroup);
    }
}

/// <summary>
/// Works out the running kernel's profile from what it does, not from its version string alone: a harmless prctl
/// for CONFIG_ANON_VMA_NAME, a read fault for the zero page, VmFlags for soft-dirty, sysfs for THP, swap and KSM, the release
/// for the anon_vma merge rule (changed in 6.16 by 879bca0a2c4f) and guard regions (6.13), and /proc for the overcommit mode, RAM and swap.
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
        using var session = new ExecutorSession(executor, ["--serve"], "the profile probe", TimeSpan.FromSeconds(30));
        var res = session.Run(Probe, TimeSpan.FromSeconds(30), default);
        var run = ExecutorOutput.Parse(res.Stdout, "probe").SingleOrDefault();
        if (run is not { End: RunEnd.Completed, Steps.Count: 3 })
            throw new InvalidOperationException($"the profile probe failed on this kernel: exit {res.ExitCode}\n{res.Stdout}{res.Stderr}");
        bool names = run.Steps[1].Result == "0";
        if (!names && run.Steps[1].Result != "-EINVAL")
            throw new InvalidOperationException($"the naming probe returned {run.Steps[1].Result}, neither 0 nor -EINVAL");
        var smaps = run.Steps[2].Processes.Single(p => p.Pid == 0).Smaps;
        bool zeroPage = smaps.Any(l => l.StartsWith("Rss:") && l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        bool softDirty = smaps.Any(l => l.StartsWith("VmFlags:") && l.Split(' ').Contains("sd"));
        var version = Environment.OSVersion.Version; // the release's numbers: 6.18.44.1252 of "6.18.44-fc-v1252"
        return new KernelProfile
        {
            Name = File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            AnonVmaName = names,
            ZeroPageOnRead = zeroPage,
            MergeRule = version >= new Version(6, 16) ? AnonMergeRule.ForkChildOnly : AnonMergeRule.SingularChain,
            // 6.14 removed the lru_add_drain before unmapping (vms_clear_ptes, exit_mmap).
            DrainsBeforeUnmap = version < new Version(6, 14),
            SoftDirty = softDirty,
            ThpBuiltIn = Directory.Exists("/sys/kernel/mm/transparent_hugepage"),
            Swap = Directory.Exists("/sys/kernel/mm/swap"), // swap_init_sysfs, built with CONFIG_SWAP
            Ksm = Directory.Exists("/sys/kernel/mm/ksm"),   // ksm_init's attribute group, built with CONFIG_KSM
            GuardRegions = version >= new Version(6, 13),
            HugeTlbPage = Directory.Exists("/sys/kernel/mm/hugepages"),
            MaxMapCount = int.Parse(File.ReadAllText("/proc/sys/vm/max_map_count").Trim()),
            MmapMinAddr = ulong.Parse(File.ReadAllText("/proc/sys/vm/mmap_min_addr").Trim()),
            Overcommit = ReadOvercommit(),
            TotalRamPages = MeminfoKb("MemTotal") / 4,
            TotalSwapPages = MeminfoKb("SwapTotal") / 4,
            MemlockHard = MemlockHardLimit(),
            CapSysResource = HasCapability(24), // CAP_SYS_RESOURCE
        };
    }

    /// <summary>RLIMIT_MEMLOCK's hard limit, which the executor and its trace processes inherit (/proc/self/limits, bytes).</summary>
    static ulong MemlockHardLimit()
    {
        var line = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max locked memory"));
        var hard = line["Max locked memory".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        return hard == "unlimited" ? ulong.MaxValue : ulong.Parse(hard);
    }

    /// <summary>Whether this process's effective capabilities (/proc/self/status CapEff), which the executor inherits, hold one.</summary>
    static bool HasCapability(int cap)
    {
        var eff = File.ReadLines("/proc/self/status").First(l => l.StartsWith("CapEff:"))["CapEff:".Length..].Trim();
        return (Convert.ToUInt64(eff, 16) >> cap & 1) != 0;
    }

    /// <summary>vm.overcommit_memory; OVERCOMMIT_NEVER checks the whole machine's Committed_AS, which no model can know.</summary>
    static OvercommitMode ReadOvercommit()
    {
        string text = File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim();
        return text switch
        {
            "0" => OvercommitMode.Guess,
            "1" => OvercommitMode.Always,
            "2" => throw new InvalidOperationException(
                "vm.overcommit_memory is 2 (OVERCOMMIT_NEVER) on this machine: the model follows modes 0 and 1 only, because " +
                "mode 2 refuses by the whole machine's Committed_AS; run `sysctl vm.overcommit_memory=0` to judge with this kernel"),
            _ => throw new InvalidOperationException($"/proc/sys/vm/overcommit_memory holds '{text}', not 0, 1 or 2"),
        };
    }

    /// <summary>One "Name: N kB" line of /proc/meminfo (MemTotal is totalram_pages(), SwapTotal total_swap_pages, in kB).</summary>
    static ulong MeminfoKb(string name)
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
            if (line.StartsWith(name + ":") && line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var kb, "kB"] && ulong.TryParse(kb, out var v))
                return v;
        throw new InvalidOperationException($"/proc/meminfo has no '{name}: N kB' line");
    }
}
