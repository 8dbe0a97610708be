using System.Diagnostics;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using Trace = AnonVma.Model.Trace;

/// <summary>
/// The real kernels' speed next to the model's on the same generated traces (`bench kernels [traces]`). The model is
/// timed as a judge, rendering maps and smaps after every call like the executor, so the ratio compares like with like.
/// </summary>
static class KernelBench
{
    public static void Run(string[] args)
    {
        int n = args.Length > 0 && int.TryParse(args[0], out var k) ? k : 500;
        const int len = 24;
        var traces = Enumerable.Range(1, n).Select(s => SimpleTraces.Generate(s, len)).ToList();
        long calls = (long)n * len;
        Console.WriteLine($"AnonVma kernel benchmark — {Environment.ProcessorCount} cores, {n} generated traces of {len} calls ({calls:N0} calls), compact batches");
        Console.WriteLine();
        Console.WriteLine("| measurement | result |");
        Console.WriteLine("|---|---|");

        new ModelJudge(KernelProfile.Linux612).Run(traces.Take(50).ToList()); // JIT warm-up, untimed
        var native = NativeJudge.Create();
        double nativeSec = Time(() => native.Run(traces));
        double modelNativeSec = Time(() => new ModelJudge(native.Profile).Run(traces));
        Console.WriteLine($"| executor on this machine's kernel ({native.Profile.Name}) | {calls / nativeSec:N0} calls/s ({nativeSec:F1} s) |");
        Console.WriteLine($"| model, {native.Profile.Name} profile, same traces | {calls / modelNativeSec:N0} calls/s ({modelNativeSec:F2} s): {nativeSec / modelNativeSec:F0}× the native kernel |");

        var qemu = QemuJudge.TryCreate(out var why);
        if (qemu is null)
        {
            Console.WriteLine($"| QEMU 6.12 | not measured: {why} |");
            return;
        }
        var one = new[] { new Trace("boot", Trace.DefaultArenaBase, 0x10000, [new MunmapCall(0, Trace.DefaultArenaBase, 0x1000)]) };
        var boots = Enumerable.Range(0, 3).Select(_ => Time(() => qemu.Run(one))).Order().ToList();
        double boot = boots[1];
        double qemuSec = Time(() => qemu.Run(traces));
        double modelQemuSec = Time(() => new ModelJudge(qemu.Profile).Run(traces));
        Console.WriteLine($"| QEMU boot + one-call batch + reboot (median of 3) | {boot:F2} s |");
        Console.WriteLine($"| executor under QEMU 6.12, one boot, boot included | {calls / qemuSec:N0} calls/s ({qemuSec:F1} s) |");
        Console.WriteLine($"| executor under QEMU 6.12, boot excluded | {calls / (qemuSec - boot):N0} calls/s |");
        Console.WriteLine($"| model, linux-6.12 profile, same traces | {calls / modelQemuSec:N0} calls/s ({modelQemuSec:F2} s): {qemuSec / modelQemuSec:F0}× QEMU |");
    }

    static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }
}
