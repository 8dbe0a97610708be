using BenchmarkDotNet.Attributes;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;

/// <summary>
/// Checked calls, fork and memory per VMA under BenchmarkDotNet, so warm-up, tiered JIT and noise are a harness's
/// job rather than a hand-rolled median. A benchmark that stands for many calls or VMAs says how many
/// (OperationsPerInvoke), so its Mean is per call or per VMA and the memory diagnoser's Allocated is bytes per call or VMA.
/// </summary>
[MemoryDiagnoser]
public class ModelBenchmarks
{
    /// <summary>Calls in one random trace.</summary>
    public const int TraceCalls = 10_000;
    /// <summary>VMAs built by the memory benchmarks; near the default vm.max_map_count of 65,530.</summary>
    public const int MemoryVmas = 65_000;
    /// <summary>VMAs in the parent of the fork benchmarks.</summary>
    public const int ForkVmas = 65_530;

    LinuxModel model = null!;
    List<Call> trace = null!;

    [GlobalSetup(Targets = [nameof(CheckedCalls)])]
    public void SetupChecked() =>
        (model, trace) = (ModelWorkload.Populated(10, named: false, checkedRun: true), ModelWorkload.RandomTrace(10, TraceCalls, seed: 1234));

    /// <summary>Calls with merge sites kept and every invariant after every call (10 VMAs whatever Vmas says).</summary>
    [Benchmark(OperationsPerInvoke = TraceCalls)]
    public void CheckedCalls()
    {
        foreach (var c in trace)
        {
            model.Apply(c);
            if (Invariants.First(model) is { } v) throw new InvalidOperationException(v.ToString());
        }
    }

    [GlobalSetup(Targets = [nameof(ForkNamed)])]
    public void SetupFork() => model = ModelWorkload.Populated(ForkVmas, named: true);

    /// <summary>fork and the child's exit, 65,530 VMAs with 79-character names: VMAs are shared copy-on-write.</summary>
    [Benchmark]
    public void ForkNamed() => ForkAndExit();

    [GlobalSetup(Targets = [nameof(ForkWrittenPages)])]
    public void SetupForkWritten()
    {
        model = ModelWorkload.Populated(ForkVmas, named: true);
        for (int i = 0; i < ForkVmas; i++) model.Apply(new TouchCall(0, ModelWorkload.Slot(i), Write: true));
    }

    /// <summary>
    /// The worst case for fork: every VMA has a page and an anon_vma, so the child needs its own VMA objects
    /// (anon_vma_fork) and a page-table copy, and copy-on-write sharing cannot help.
    /// </summary>
    [Benchmark]
    public void ForkWrittenPages() => ForkAndExit();

    /// <summary>Building 65,000 unnamed VMAs: Allocated is bytes per VMA.</summary>
    [Benchmark(OperationsPerInvoke = MemoryVmas)]
    public LinuxModel BuildUnnamed() => ModelWorkload.Populated(MemoryVmas, named: false);

    /// <summary>Building 65,000 VMAs with a 79-character name each: Allocated is bytes per VMA.</summary>
    [Benchmark(OperationsPerInvoke = MemoryVmas)]
    public LinuxModel BuildNamed() => ModelWorkload.Populated(MemoryVmas, named: true);

    void ForkAndExit()
    {
        var child = model.Apply(new ForkCall(0));
        model.Apply(new ExitCall((int)child.Value));
    }
}
