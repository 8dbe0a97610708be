using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>The model against this machine's kernel (profile probed), call by call: the corpus and 2,000 generated traces.</summary>
public class NativeKernelTests(ITestOutputHelper log)
{
    /// <summary>How many generated traces, and how long each: the floor issue 3 sets is 2,000 of at least 20 calls.</summary>
    public const int GeneratedTraces = 2000, CallsPerTrace = 24;

    /// <summary>
    /// The first of the differential tests' seeds: apart from the seeds 1 … 1,000 that the QEMU choice test runs, so the
    /// two tests check different traces.
    /// </summary>
    public const int FirstGeneratedSeed = 10_001;

    /// <summary>
    /// The differential tests' generated traces: `count` seeds from <see cref="FirstGeneratedSeed"/>, default settings,
    /// realised against the 6.12 model whatever the judge, so they are the same traces on every machine.
    /// </summary>
    public static List<Trace> Generated(int count) =>
        Enumerable.Range(FirstGeneratedSeed, count).Select(s => Realiser.Random(s, CallsPerTrace, KernelProfile.Linux612)).ToList();

    [Fact]
    public void Generated_traces_agree_with_this_machine_kernel()
    {
        var traces = Generated(GeneratedTraces);
        var d = Differential.Run(Kernels.Native, traces);
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
    }

    [Fact]
    public void Scenario_corpus_agrees_with_this_machine_kernel()
    {
        var judge = Kernels.Native;
        // The scenarios written for the host profile; the probe must find this machine to run that kernel (the model
        // below takes the probed profile, so a machine-specific difference such as the zero page is followed, not assumed).
        Assert.True(KernelProfile.Host618.SameKernelAs(judge.Profile), $"this machine's kernel is not {KernelProfile.Host618.Name}: {judge.Profile}");
        var entries = ScenarioCorpus.For(KernelProfile.Host618);
        Assert.NotEmpty(entries);
        var d = Differential.Run(judge, entries.Select(e => e.Trace).ToList());
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
    }

    [Fact]
    public void Model_only_scenarios_are_exactly_those_the_executor_refuses()
    {
        var stock = ScenarioCorpus.All.Where(e => KernelProfile.All.Contains(e.Profile)).ToList();
        foreach (var name in ScenarioCorpus.ModelOnly.Keys) Assert.Contains(stock, e => e.Name == name);
        var runs = Kernels.Native.Run(stock.Select(e => e.Trace).ToList());
        var refused = runs.Where(r => r.End == RunEnd.Rejected).Select(r => r.TraceId).Order().ToList();
        foreach (var r in runs.Where(r => r.End == RunEnd.Rejected)) log.WriteLine($"refused: {r.TraceId}: {r.Detail}");
        foreach (var e in ScenarioCorpus.All.Except(stock)) log.WriteLine($"model only (profile changed): {e.Name}: {e.Profile}");
        Assert.Equal(ScenarioCorpus.ModelOnly.Keys.Order().ToList(), refused);
    }

    [Fact]
    public void A_wrong_model_rule_is_caught_with_a_readable_report()
    {
        // mlock that forgets to populate: the kernel's smaps show the pages, the mutated model's do not.
        var traces = Generated(200);
        var d = Differential.Run(Kernels.Native, traces, mutations: new Mutations(Mutation.MlockSkipsPopulate));
        log.WriteLine(d.Summary(show: 1));
        Assert.NotEmpty(d.Disagreements);
        var report = d.Disagreements[0].Report();
        Assert.Contains("first disagree at call", report);
        Assert.Contains(" >> ", report);                      // the call is marked in the listing
        Assert.Matches(@"(?m)^[-+] |: -?\w", report);         // a diff line or both results side by side
    }
}
