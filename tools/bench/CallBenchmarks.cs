using BenchmarkDotNet.Attributes;
using AnonVma.Model;
using AnonVma.Model.Kernel;

/// <summary>
/// The plain model's rate on a 10,000-call random trace at three VMA counts: the VMA list is a B+tree leaf level, so
/// a call should cost O(log n) and the 65,000-VMA rate stay within a small factor of the 10-VMA one.
/// </summary>
[MemoryDiagnoser]
public class CallBenchmarks
{
    LinuxModel model = null!;
    List<Call> trace = null!;

    /// <summary>VMAs the random trace keeps alive (it unmaps and maps single pages in n slots).</summary>
    [Params(10, 1_000, 65_000)]
    public int Vmas { get; set; }

    [GlobalSetup]
    public void Setup() => (model, trace) = (ModelWorkload.Populated(Vmas, named: false), ModelWorkload.RandomTrace(Vmas, ModelBenchmarks.TraceCalls, seed: 1234));

    /// <summary>Mean is the time per call, Allocated the bytes per call.</summary>
    [Benchmark(OperationsPerInvoke = ModelBenchmarks.TraceCalls)]
    public void RandomCalls()
    {
        foreach (var c in trace) model.Apply(c);
    }
}
