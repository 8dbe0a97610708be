using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The re-implementation judges (gVisor, QEMU user mode) run the executor to the end and see what they are for: a
/// divergence from Linux that the Debian releases CI installs are known to have, in a small named scenario where this
/// machine's kernel and the model agree and the implementation does not, and among generated traces judged the way a
/// conformance campaign judges them (this machine's kernel first, then the implementation).
/// </summary>
public class ConformanceTests(ITestOutputHelper log)
{
    const ulong B = Trace.DefaultArenaBase, P = Mem.PageSize;

    /// <summary>
    /// MAP_FIXED_NOREPLACE over a mapped page: Linux refuses with EEXIST (do_mmap finds the intersecting VMA first);
    /// neither runsc 20221219 nor qemu-x86_64 7.2 knows the flag, and both map the page somewhere else.
    /// </summary>
    static readonly Trace NoReplaceOverAMapping = new("noreplace-over-a-mapping", B, 16 * P,
    [
        new MmapCall(0, B, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace),
        new MmapCall(0, B, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace),
    ]);

    public static TheoryData<string> Implementations => [.. ImplementationJudge.All.Select(i => i.Key)];

    [SkippableTheory]
    [MemberData(nameof(Implementations))]
    public void A_known_divergence_shows_where_Linux_and_the_model_agree(string key)
    {
        var judge = Components.Implementation(ImplementationJudge.ByKey(key)!);
        var linux = Kernels.Native.Run([NoReplaceOverAMapping])[0];
        var model = new ModelJudge(judge.Profile).Run([NoReplaceOverAMapping])[0];
        var theirs = judge.Run([NoReplaceOverAMapping])[0];
        log.WriteLine($"call 1: Linux {linux.Steps[1].Result}, model {model.Steps[1].Result}, {key} {theirs.Steps.ElementAtOrDefault(1)?.Result ?? theirs.End.ToString()}");
        Assert.Equal("-EEXIST", linux.Steps[1].Result);
        Assert.Equal("-EEXIST", model.Steps[1].Result);
        Assert.Equal(RunEnd.Completed, theirs.End);
        Assert.NotEqual("-EEXIST", theirs.Steps[1].Result);

        var f = new DifferentialOracle(judge, judge: key).Check([NoReplaceOverAMapping])[0];
        Assert.NotNull(f);
        // The first difference, which may come earlier (gVisor's smaps of the first page already differ).
        Assert.Equal(key, f.Judge);
        Assert.InRange(f.CallIndex, 0, 1);
        Assert.StartsWith("expected (Linux", f.Labels.Expected);
    }

    [SkippableTheory]
    [MemberData(nameof(Implementations))]
    public void The_reproducer_agrees_with_Linux_natively_and_prints_the_difference_under_the_implementation(string key)
    {
        var judge = Components.Implementation(ImplementationJudge.ByKey(key)!);
        var cc = Components.CCompiler();
        var linux = new ModelJudge(judge.Profile).Run([NoReplaceOverAMapping])[0];
        var dir = Directory.CreateTempSubdirectory("anonvma-conformance-");
        try
        {
            string src = Path.Combine(dir.FullName, "repro.c"), exe = Path.Combine(dir.FullName, "repro");
            File.WriteAllText(src, CReproducer.Generate(NoReplaceOverAMapping, $"conformance of {key}", linux));
            var build = Shell.Run(cc, ["-static", "-O2", "-Wall", "-Wextra", "-o", exe, src], TimeSpan.FromMinutes(2));
            Assert.True(build.ExitCode == 0 && build.Stderr == "", $"cc:\n{build.Stderr}");

            var here = Shell.Run(exe, [], TimeSpan.FromMinutes(1));
            log.WriteLine($"natively:\n{here.Stdout}");
            Assert.Equal(0, here.ExitCode);
            Assert.StartsWith("AGREES with Linux", here.Stdout.TrimEnd().Split('\n')[^1]);

            var what = judge.What;
            var there = Shell.Run(what.Wrapper[0], [.. what.Wrapper.Skip(1), exe], TimeSpan.FromMinutes(2));
            log.WriteLine($"under {key}:\n{there.Stdout}{there.Stderr}");
            Assert.Equal(1, there.ExitCode);
            // Its first difference, as the oracle's: EEXIST refused, or before that (gVisor) the first page's Rss.
            Assert.Matches(@"DIFFERS from Linux after call [01]:\n  Linux: .+\n  here:  .+\n", there.Stdout);
        }
        finally { dir.Delete(recursive: true); }
    }

    [SkippableTheory]
    [MemberData(nameof(Implementations))]
    public void Generated_traces_reach_the_end_and_show_divergences_from_Linux(string key)
    {
        var judge = Components.Implementation(ImplementationJudge.ByKey(key)!);
        var traces = NativeKernelTests.Generated(64);
        var runs = judge.Run(traces);
        Assert.All(runs, r => Assert.True(r.End != RunEnd.Lost, $"{r.TraceId}: {r.Detail}"));
        var found = new Suite(new DifferentialOracle(Kernels.Native, judge: "native"), new DifferentialOracle(judge, judge: key)).Check(traces);
        var classes = found.OfType<Finding>().GroupBy(f => (f.Judge, f.Signature)).Select(g => $"{g.Key.Judge} {g.Key.Signature} x{g.Count()}").ToList();
        log.WriteLine($"{traces.Count} traces: {string.Join("; ", classes)}");
        Assert.DoesNotContain(found, f => f?.Judge == "native");
        Assert.Contains(found, f => f?.Judge == key);
    }

    /// <summary>
    /// p0 forks and exits; its child, orphaned by design (a plain fork's child outlives its forker), writes to a shared
    /// mapping whose protection a too-long mprotect lowered (Linux: ENOMEM, after making the mapping read-only, and
    /// SIGSEGV on the write). qemu-x86_64 7.2 spins on that write for ever: the campaign's 6-call finding, rewritten so
    /// that the process spinning is an orphan.
    /// </summary>
    static readonly Trace OrphanSpinning = new("orphan-spinning", B, 16 * P,
    [
        new ForkCall(0),
        new ExitCall(0),
        new MmapCall(1, B + 5 * P, 0xedd, Prot.ReadWrite, Map.Shared | Map.Fixed | Map.Anonymous),
        new MprotectCall(1, B + 5 * P, 3 * P, Prot.Read),
        new TouchCall(1, B + 5 * P + 0x600, Write: true),
    ]);

    [SkippableFact]
    public void A_session_killed_mid_trace_leaves_no_orphaned_trace_process_under_QEMU_user_mode()
    {
        var judge = Components.Implementation(ImplementationJudge.QemuUser);
        var exe = ExecutorJudge.EnsureExecutor();
        using var cancel = new CancellationTokenSource();
        judge.Cancellation = cancel.Token;
        var run = Task.Run(() => judge.Run([OrphanSpinning]));
        // The orphan: an executor process whose parent is neither an executor process nor this one (a server's): init took it when p0 exited.
        int? orphan = null;
        for (int i = 0; i < 200 && orphan is null && !run.IsCompleted; i++)
        {
            Thread.Sleep(50);
            var all = ExecutorProcesses(exe);
            orphan = all.FirstOrDefault(p => Parent(p) is var up && up != Environment.ProcessId && !all.Contains(up), -1) is var o and > 0 ? o : null;
        }
        Assert.True(orphan is not null, "the trace never left an orphan to kill: " +
            (run.IsCompleted ? string.Join(" | ", run.Result.Select(r => $"{r.End} {r.Detail} {string.Join(", ", r.Steps.Select(s => s.Result))}")) : "still running"));
        log.WriteLine($"orphan {orphan}, parent {Parent(orphan.Value)}");
        cancel.Cancel();
        var runs = run.Result;
        Assert.Equal(RunEnd.Lost, runs[0].End);
        for (int i = 0; i < 100 && Directory.Exists($"/proc/{orphan}"); i++) Thread.Sleep(50);
        Assert.False(Directory.Exists($"/proc/{orphan}"), $"process {orphan} outlived its session");
    }

    static int[] ExecutorProcesses(string exe) =>
    [
        .. Directory.EnumerateDirectories("/proc").Select(d => Path.GetFileName(d)!).Where(d => d.All(char.IsDigit)).Select(int.Parse)
            .Where(pid => { try { return File.ReadAllText($"/proc/{pid}/cmdline").Contains(exe + "\0--serve\0--plain-fork"); } catch (IOException) { return false; } }),
    ];

    static int Parent(int pid)
    {
        try { var stat = File.ReadAllText($"/proc/{pid}/stat"); return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]); }
        catch (IOException) { return -1; }
    }
}
