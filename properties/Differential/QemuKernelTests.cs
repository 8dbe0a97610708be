using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The model against Linux 6.12 with CONFIG_ANON_VMA_NAME=y under QEMU: the corpus and 2,000 generated traces, in two
/// boots at once. Without the image these tests skip and say how to build it; CI sets ANONVMA_REQUIRE_KERNELS=1 so
/// that they fail instead.
/// </summary>
public class QemuKernelTests(ITestOutputHelper log)
{
    /// <summary>Naming must really happen on this kernel: at least this many name calls set a name that maps then showed.</summary>
    public const int MinNamesShown = 500;

    [SkippableFact]
    public void Generated_traces_agree_with_linux_6_12()
    {
        var judge = Kernels.Qemu();
        var traces = NativeKernelTests.Generated(NativeKernelTests.GeneratedTraces);
        var d = Differential.Run(judge, traces, parallel: 2);
        int shown = d.NamesSetAndShown();
        log.WriteLine(d.Summary());
        log.WriteLine($"name calls that set a name and maps showed it: {shown}");
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
        Assert.True(shown >= MinNamesShown, $"only {shown} name calls set a name that maps showed (want ≥ {MinNamesShown})");
    }

    /// <summary>The choice-based generator's traces (the ones fuzz and the properties use), fixed seeds, two boots at once.</summary>
    [SkippableFact]
    public void Choice_generated_traces_agree_with_linux_6_12()
    {
        var judge = Kernels.Qemu();
        var traces = Enumerable.Range(1, 1000).Select(s => Realiser.Random(s, 24, judge.Profile)).ToList();
        var d = Differential.Run(judge, traces, parallel: 2);
        log.WriteLine(d.Summary());
        log.WriteLine($"name calls that set a name and maps showed it: {d.NamesSetAndShown()}");
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
    }

    [SkippableFact]
    public void Scenario_corpus_agrees_with_linux_6_12()
    {
        var judge = Kernels.Qemu();
        var entries = ScenarioCorpus.For(KernelProfile.Linux612);
        Assert.NotEmpty(entries);
        var d = Differential.Run(judge, entries.Select(e => e.Trace).ToList());
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
    }
}
