using System.Diagnostics;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using Trace = AnonVma.Model.Trace;

/// <summary>
/// The real kernels' speed next to the model's on the same generated traces (`bench kernels [traces]`), with where each
/// judge's time goes and the kernel's own rate for the same calls (a plain loop, no reports) as the physical limit.
/// The model is timed as a judge, rendering maps and smaps after every call like the executor, so the ratio compares
/// like with like. Only completed runs count: a judge that fails to start, or none of whose runs completed, is
/// reported as failed with no rate, and the benchmark exits 1 whenever a run failed.
/// </summary>
static class KernelBench
{
    public static int Run(string[] args)
    {
        int n = args.Length > 0 && int.TryParse(args[0], out var k) ? k : 500;
        const int len = 24;
        var traces = Enumerable.Range(1, n).Select(s => Realiser.Random(s, len, KernelProfile.Linux612)).ToList();
        Console.WriteLine($"AnonVma kernel benchmark — {Environment.ProcessorCount} cores, load average {ReadLoad():F2} at start, {n} generated traces of {len} calls ({(long)n * len:N0} calls), compact batches");
        Console.WriteLine();
        Console.WriteLine("| measurement | result |");
        Console.WriteLine("|---|---|");
        var failures = new List<string>();

        new ModelJudge(KernelProfile.Linux612).Run(traces.Take(50).ToList()); // JIT warm-up, untimed
        Kernel(NativeJudge.Create(), "native", traces, failures);
        if (QemuJudge.TryCreate(out var why) is { } qemu) Kernel(qemu, "QEMU", traces, failures);
        else
        {
            Console.WriteLine($"| QEMU 6.12 | FAILED, not measured: {why} |");
            failures.Add($"qemu-6.12: {why}");
        }
        Console.WriteLine();
        Console.WriteLine($"load average at the end: {ReadLoad():F2} (other jobs on the machine slow the kernels, QEMU most)");
        foreach (var f in failures) Console.Error.WriteLine($"bench kernels: {f}");
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>One kernel's rows: its start, its rate, where its time goes, its physical limit, and the model's rate on the same traces.</summary>
    static void Kernel(ExecutorJudge kernel, string what, IReadOnlyList<Trace> traces, List<string> failures)
    {
        bool qemu = kernel is QemuJudge;
        if (kernel is QemuJudge q)
        {
            try
            {
                var (made, took) = q.PrepareSavedGuest();
                Console.WriteLine($"| QEMU: the saved guest every session restores (booted once per kernel and executor; .ci/install makes it) | {(made ? $"missing, made now: boot and save {took.TotalSeconds:F2} s" : "present")} |");
            }
            catch (InvalidOperationException e)
            {
                Console.WriteLine($"| QEMU 6.12 | FAILED, not measured: {e.Message} |");
                failures.Add($"qemu-6.12: {e.Message}");
                return;
            }
        }
        var first = Measure(kernel, traces.Take(1).ToList(), failures);
        Console.WriteLine($"| {what}: {(qemu ? "guest start (restored from the saved boot)" : "executor start")} to first result (one-trace batch) | {(first.Calls == 0 ? first.ToString() : $"{first.Seconds:F2} s (start {kernel.Last!.Start.TotalSeconds:F2} s)")} |");
        if (qemu) Console.WriteLine($"| (QEMU \"start\": the batch's wall time less the executor's own: the guest's restore and the transfer) | |");
        if (first.Calls == 0) return;
        var rate = Measure(kernel, traces, failures);
        var start = kernel.Last!.Start;
        Console.WriteLine(qemu
            ? $"| **executor under QEMU 6.12, guest restores included** ({kernel.Last.Sessions} guest(s) side by side) | {rate} |"
            : $"| **executor on this machine's kernel ({kernel.Profile.Name})** | {rate} |");
        if (qemu)
            Console.WriteLine($"| executor under QEMU 6.12, guest start and transfer excluded ({start.TotalSeconds:F2} s) | {(rate.Calls == 0 ? "not measured" : $"{rate.Calls / (rate.Seconds - start.TotalSeconds):N0} calls/s")} |");
        Breakdown(what, kernel, rate);
        var relayed = kernel.Last.Stats;
        kernel.Stepwise = true;
        var stepwise = Measure(kernel, traces, failures);
        kernel.Stepwise = false;
        Console.WriteLine($"| {what}: the same with every call through the controller (option stepwise; above, {relayed?.Relayed ?? 0:N0} of {rate.Calls:N0} calls relayed) | {stepwise} |");
        Breakdown(what + " stepwise", kernel, stepwise);
        Console.WriteLine($"| {what} physical limit: the same calls in a plain loop{(qemu ? " in the guest" : "")}, no reports | {Bare(kernel, traces)} |");
        var model = Measure(new ModelJudge(kernel.Profile), traces, failures);
        Console.WriteLine($"| model, {kernel.Profile.Name} profile, same traces | {model}{Ratio(rate, model, qemu ? "QEMU" : "the native kernel")} |");
    }

    /// <summary>One judge's timed batch, counting only the calls of runs that completed.</summary>
    sealed record Rate(double Seconds, long Calls, int Failed, string? First)
    {
        public override string ToString() =>
            (Calls == 0 ? "FAILED, not measured: no run completed" : $"{Calls / Seconds:N0} calls/s ({Seconds:F2} s)") +
            (Failed == 0 ? "" : $"; {Failed} run(s) did not complete and are not counted, first: {First}");
    }

    static Rate Measure(IJudge judge, IReadOnlyList<Trace> traces, List<string> failures)
    {
        var sw = Stopwatch.StartNew();
        var runs = judge.Run(traces);
        double seconds = sw.Elapsed.TotalSeconds;
        var why = traces.Select((t, i) => CompletedRuns.Failure(t, runs[i])).ToList();
        long calls = traces.Where((_, i) => why[i] is null).Sum(t => (long)t.Calls.Count);
        var failed = why.OfType<string>().ToList();
        if (failed.Count > 0) failures.Add($"{judge.Name}: {failed.Count} of {traces.Count} run(s) did not complete, first: {failed[0]}");
        return new Rate(seconds, calls, failed.Count, failed.FirstOrDefault());
    }

    /// <summary>
    /// Where the last batch's time went: in the executor (the calls' round trips through the trace processes, the
    /// smaps reads, writing the output, starting and ending traces, the rest: filtering and formatting) by its own clock, and on this
    /// side (writing the batch, waiting for the output to arrive, parsing it).
    /// </summary>
    static void Breakdown(string what, ExecutorJudge judge, Rate rate)
    {
        if (rate.Calls == 0) return;
        var (elapsed, _, stats, encode, parse, k) = judge.Last!;
        if (stats is not { } s)
        {
            Console.WriteLine($"| {what} breakdown | not available: the executor gave no S line |");
            return;
        }
        double wall = elapsed.TotalSeconds, ex = s.Total.TotalSeconds;
        string In(double sec) => $"{sec:F2} s ({100 * sec / ex:F0}% of the executor's {ex:F2} s{(k > 1 ? $", summed over {k} sessions side by side" : "")})";
        string Out(double sec) => $"{sec:F2} s ({100 * sec / wall:F0}% of the {wall:F2} s wall time)";
        Console.WriteLine($"| {what} breakdown: calls (round trip to the trace process) | {In(s.InCalls.TotalSeconds)} |");
        if (s.Relayed > 0)
            Console.WriteLine($"| {what} breakdown: of which the relayed calls themselves ({s.Relayed:N0} calls in {s.Relays:N0} relays, each call with its batch drain) | {In(s.Made.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: reading /proc/PID/smaps | {In(s.Reads.TotalSeconds)} |");
        if (s.Relayed > 0)
            Console.WriteLine($"| {what} breakdown: views the page proof spared reading again (another process's, after a relayed call) | {s.Proved:N0} |");
        Console.WriteLine($"| {what} breakdown: executor output writes (blocked while the reader lags) | {In(s.Output.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: trace start (its pipes, the empty-arena check, p0's fork unless p0's first calls went with it) | {In(s.Begins.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: trace end (killing and reaping its processes, removing its files) | {In(s.Ends.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: executor, the rest (filtering, formatting, parsing the batch) | {In(ex - s.InCalls.TotalSeconds - s.Reads.TotalSeconds - s.Output.TotalSeconds - s.Begins.TotalSeconds - s.Ends.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: writing the batch text (C#) | {Out(encode.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: transfer and waiting, outside the executor's clock | {Out(wall - ex / k - encode.TotalSeconds - parse.TotalSeconds)} |");
        Console.WriteLine($"| {what} breakdown: parsing the output (C#) | {Out(parse.TotalSeconds)} |");
    }

    static string Bare(ExecutorJudge judge, IReadOnlyList<Trace> traces)
    {
        try
        {
            var s = judge.Bare(traces);
            return s is null || s.CallCount == 0 ? "FAILED, not measured: no S line" : $"{s.CallCount / s.Total.TotalSeconds:N0} calls/s ({s.CallCount:N0} calls in {s.Total.TotalSeconds:F2} s)";
        }
        catch (InvalidOperationException e) { return $"FAILED, not measured: {e.Message}"; }
    }

    static double ReadLoad() =>
        double.TryParse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out var l) ? l : double.NaN;

    static string Ratio(Rate kernel, Rate model, string what) =>
        kernel.Calls == 0 || model.Calls == 0 ? "" : $": {kernel.Seconds / kernel.Calls / (model.Seconds / model.Calls):F0}× {what}";
}
