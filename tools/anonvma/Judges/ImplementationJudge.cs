using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// A re-implementation of Linux's memory calls, such as gVisor's Sentry or QEMU's user-mode emulator, that runs the
/// native executor unchanged. Linux is the reference: the judge's profile is this machine's kernel's, on which the
/// model is exact, so every difference from the model is the implementation's.
/// </summary>
public sealed class ImplementationJudge : ExecutorJudge
{
    /// <summary>How to run a program under one implementation, and where to get it.</summary>
    /// <param name="Key">The judge's name on the command line and in findings: "gvisor", "qemu-user".</param>
    /// <param name="Title">What reports call it.</param>
    /// <param name="Wrapper">The command the executor's own command line follows.</param>
    /// <param name="Package">The Debian package that has <paramref name="Wrapper"/>'s first word.</param>
    /// <param name="NeedsRoot">runsc runs a sandbox only as root.</param>
    /// <param name="HostProcesses">
    /// Each emulated process is a host process (QEMU user mode), so a host cgroup holds the session's trace processes
    /// and kills them with it; a sandbox (gVisor) has its own cgroups and dies whole.
    /// </param>
    public sealed record Implementation(string Key, string Title, string[] Wrapper, string Package, bool NeedsRoot, bool HostProcesses);

    /// <summary>gVisor: the executor is the sandbox's PID 1, which is why it is told it is not an /init.</summary>
    public static readonly Implementation GVisor = new("gvisor", "gVisor (runsc, ptrace platform)",
        ["runsc", "--platform=ptrace", "--network=none", "do"], "runsc", NeedsRoot: true, HostProcesses: false);

    public static readonly Implementation QemuUser = new("qemu-user", "QEMU user mode (qemu-x86_64)", ["qemu-x86_64"], "qemu-user", NeedsRoot: false, HostProcesses: true);

    public static readonly IReadOnlyList<Implementation> All = [GVisor, QemuUser];

    /// <summary>The implementation a judge name stands for, or null.</summary>
    public static Implementation? ByKey(string key) => All.FirstOrDefault(i => i.Key == key);

    /// <summary>How long one call may take: emulation and ptrace make calls slower than the native judge's 2 s allow.</summary>
    const int CallTimeoutMs = 5000;

    readonly string executor;

    public Implementation What { get; }

    /// <summary>
    /// The compared smaps fields this implementation does not print (gVisor 20221219 has no Pss_Dirty, which Linux 6.0
    /// added), found by probing: they are left out of every comparison with it and listed once as not implemented.
    /// </summary>
    public IReadOnlyList<string> MissingSmapsFields { get; private set; } = [];

    /// <summary>What the implementation lacks, in the words a report lists it with.</summary>
    public IReadOnlyList<string> NotImplemented => [.. MissingSmapsFields.Select(f => $"smaps field {f}")];

    ImplementationJudge(Implementation what, string executor, KernelProfile linux)
        : base(what.Key, linux, $"{what.Title}'s own (no memory limit is set)") => (What, this.executor) = (what, executor);

    /// <summary>A model run as this implementation could show it: without the smaps fields it does not print.</summary>
    public TraceRun WithoutMissing(TraceRun run) => MissingSmapsFields.Count == 0 ? run : run with
    {
        Steps = [.. run.Steps.Select(s => s with
        {
            Processes = [.. s.Processes.Select(p => p with { Smaps = [.. p.Smaps.Where(l => !MissingSmapsFields.Any(f => l.StartsWith(f + ":")))] })],
        })],
    };

    /// <summary>One page mapped, written and read back: every compared smaps field of a resident anonymous page.</summary>
    static readonly Trace Probe = new("probe", Trace.DefaultArenaBase, 16 * Model.Abi.Mem.PageSize,
    [
        new MmapCall(0, Trace.DefaultArenaBase, Model.Abi.Mem.PageSize, Model.Abi.Prot.ReadWrite,
            Model.Abi.Map.Private | Model.Abi.Map.Anonymous | Model.Abi.Map.FixedNoReplace),
        new TouchCall(0, Trace.DefaultArenaBase, Write: true),
    ]);

    void ProbeFields()
    {
        var run = Run([Probe])[0];
        if (run.End != RunEnd.Completed || run.Steps.Count != 2)
            throw new InvalidOperationException($"the executor did not run under {What.Title}: {run.End} {run.Detail}");
        var shown = run.Steps[1].Processes.SelectMany(p => p.Smaps).Select(l => l.Split(':')[0]).ToHashSet();
        MissingSmapsFields = [.. Comparison.SmapsFields.Where(f => !shown.Contains(f))];
    }

    /// <summary>The judge, or null with the reason it cannot run here (the tool missing, not root).</summary>
    public static ImplementationJudge? TryCreate(Implementation what, out string whyNot)
    {
        whyNot = "";
        string tool = what.Wrapper[0];
        if (!Shell.OnPath(tool))
        {
            whyNot = $"{tool} is not installed (apt-get install {what.Package})";
            return null;
        }
        if (what.NeedsRoot && Environment.UserName != "root")
        {
            whyNot = $"{tool} runs a sandbox only as root";
            return null;
        }
        var exe = EnsureExecutor();
        var judge = new ImplementationJudge(what, exe, NativeProfile.Detect(exe));
        judge.ProbeFields();
        return judge;
    }

    protected override TimeSpan BatchTimeout(int traceCount, long callCount) =>
        TimeSpan.FromSeconds(Math.Min(6 * 3600, 60 + traceCount * 2.0 * CallTimeoutMs / 1000));

    /// <summary>
    /// A long-lived `anonvma-exec --serve` inside the implementation (one sandbox or emulator per session), forking
    /// without CLONE_PARENT, which QEMU user mode refuses and after which gVisor never reports the child's exit.
    /// A plain fork's child outlives its forker's exit by design, so when the session is killed mid-trace such a child
    /// is nobody's: under QEMU user mode one spinning on a write that hangs there kept a core busy for half an hour.
    /// Its cgroup (no limit) kills it with the session.
    /// </summary>
    /// <remarks>
    /// runsc's sandbox creation failed once in a full test run beside heavy load ("cannot create sandbox: cannot read
    /// client sync file: … EOF", 2026-12-05) and worked when tried again: such a start is tried once more, and a second
    /// failure stands. No other start failure is retried.
    /// </remarks>
    protected override ExecutorSession StartSession()
    {
        try { return StartOnce(); }
        catch (InvalidOperationException e) when (e.Message.Contains("cannot create sandbox")) { return StartOnce(); }
    }

    ExecutorSession StartOnce()
    {
        var cgroup = What.HostProcesses ? MemoryCgroup.TryCreate(null) : null;
        string[] hold = cgroup is null ? [] : ["--cgroup", cgroup.Path];
        return new(What.Wrapper[0], [.. What.Wrapper.Skip(1), executor, "--serve", "--plain-fork", "--timeout-ms", CallTimeoutMs.ToString(), .. hold],
            Name, TimeSpan.FromSeconds(60), cgroup);
    }
}
