using System.Diagnostics;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using Trace = AnonVma.Model.Trace;

/// <summary>
/// The real kernels' speed next to the model's on the same generated traces (`bench kernels [traces]`). The model is
/// timed as a judge, rendering maps and smaps after every call like the executor, so the ratio compares like with like.
/// Only completed runs count: a judge none of whose runs completed (QEMU that could not start) gets no figure, and
/// the benchmark exits 1 whenever a run failed.
/// </summary>
static class KernelBench
{
    public static int Run(string[] args)
    {
        int n = args.Length > 0 && int.TryParse(args[0], out var k) ? k : 500;
        const int len = 24;
        var traces = Enumerable.Range(1, n).Select(s => Realiser.Random(s, len, KernelProfile.Linux612)).ToList();
        Console.WriteLine($"AnonVma kernel benchmark — {Environment.ProcessorCount} cores, {n} generated traces of {len} calls ({(long)n * len:N0} calls), compact batches");
        Console.WriteLine();
        Console.WriteLine("| measurement | result |");
        Console.WriteLine("|---|---|");
        var failures = new List<string>();

        new ModelJudge(KernelProfile.Linux612).Run(traces.Take(50).ToList()); // JIT warm-up, untimed
        var native = NativeJudge.Create();
        var nativeRate = Measure(native, traces, failures);
        var modelNative = Measure(new ModelJudge(native.Profile), traces, failures);
        Console.WriteLine($"| executor on this machine's kernel ({native.Profile.Name}) | {nativeRate} |");
        Console.WriteLine($"| model, {native.Profile.Name} profile, same traces | {modelNative}{Ratio(nativeRate, modelNative, "the native kernel")} |");

        var qemu = QemuJudge.TryCreate(out var why);
        if (qemu is null)
        {
            Console.WriteLine($"| QEMU 6.12 | not measured: {why} |");
            return Verdict(failures);
        }
        var one = new[] { new Trace("boot", Trace.DefaultArenaBase, 0x10000, [new MunmapCall(0, Trace.DefaultArenaBase, 0x1000)]) };
        var boots = new List<double>();
        for (int i = 0; i < 3; i++)
        {
            var b = Measure(qemu, one, failures);
            if (b.Failed > 0)
            {
                Console.WriteLine($"| QEMU 6.12 | not measured: a one-call batch did not complete ({b.First}) |");
                return Verdict(failures);
            }
            boots.Add(b.Seconds);
        }
        double boot = boots.Order().ElementAt(1);
        var qemuRate = Measure(qemu, traces, failures);
        var modelQemu = Measure(new ModelJudge(qemu.Profile), traces, failures);
        Console.WriteLine($"| QEMU boot + one-call batch + reboot (median of 3) | {boot:F2} s |");
        Console.WriteLine($"| executor under QEMU 6.12, one boot, boot included | {qemuRate} |");
        Console.WriteLine($"| executor under QEMU 6.12, boot excluded | {(qemuRate.Calls == 0 ? "not measured" : $"{qemuRate.Calls / (qemuRate.Seconds - boot):N0} calls/s")} |");
        Console.WriteLine($"| model, linux-6.12 profile, same traces | {modelQemu}{Ratio(qemuRate, modelQemu, "QEMU")} |");
        return Verdict(failures);
    }

    /// <summary>One judge's timed batch, counting only the calls of runs that completed.</summary>
    sealed record Rate(double Seconds, long Calls, int Failed, string? First)
    {
        public override string ToString() =>
            (Calls == 0 ? "not measured: no run completed" : $"{Calls / Seconds:N0} calls/s ({Seconds:F2} s)") +
            (Failed == 0 ? "" : $"; {Failed} run(s) did not complete and are not counted, first: {First}");
    }

    static Rate Measure(IJudge judge, IReadOnlyList<Trace> traces, List<string> failures)
    {
        var sw = Stopwatch.StartNew();
        var runs = judge.Run(traces);
        double seconds = sw.Elapsed.TotalSeconds;
        var (calls, failed, first) = CompletedRuns.Count(traces, runs);
        if (failed > 0) failures.Add($"{judge.Name}: {failed} of {traces.Count} run(s) did not complete, first: {first}");
        return new Rate(seconds, calls, failed, first);
    }

    static string Ratio(Rate kernel, Rate model, string what) =>
        kernel.Calls == 0 || model.Calls == 0 ? "" : $": {kernel.Seconds / kernel.Calls / (model.Seconds / model.Calls):F0}× {what}";

    /// <summary>0 when every run completed; else each failure on stderr and 1.</summary>
    static int Verdict(List<string> failures)
    {
        foreach (var f in failures) Console.Error.WriteLine($"bench kernels: {f}");
        return failures.Count == 0 ? 0 : 1;
    }
}
