using AnonVma.Campaign;
using AnonVma.Fuzz;
using AnonVma.Model;
using AnonVma.Properties.Differential;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The mutation check: each deliberately wrong model rule (switched on by the test-only Mutations hook) is caught by
/// the suite a user runs (every invariant on the linux-6.12 model, and the model against this machine's kernel) and
/// shrinks to at most 6 calls. How fast is for `bench mutants`; here only whether, within a fixed number of traces.
/// </summary>
public class MutationTests(ITestOutputHelper output)
{
    /// <summary>
    /// The seeds each mutant gets (one worker, seeds from 1, so the trace that kills it is the same on every machine:
    /// the slowest, CowFaultChecksSizeFirst, died at seed 11,640 on 6.18.44).
    /// </summary>
    const int Seeds = 20_000;

    /// <summary>
    /// Only a guard against a hang: the verdict is the seed count. 20,000 traces take 1–1.5 min alone; a shared CI
    /// machine running the rest of the suite beside them once took more than 5.
    /// </summary>
    static readonly TimeSpan Guard = TimeSpan.FromMinutes(30);

    public static TheoryData<Mutation> All() => new(Enum.GetValues<Mutation>());

    [Theory]
    [MemberData(nameof(All))]
    public void The_suite_kills_the_mutant_and_shrinks_it_to_at_most_6_calls(Mutation mutation)
    {
        var muts = new Mutations(mutation);
        var suite = new Suite(new InvariantOracle(KernelProfile.Linux612, muts), new DifferentialOracle(Kernels.Native, muts));
        var config = new CampaignConfig { Judges = ["model", "native"], Seeds = Seeds, LongEvery = 0, Mutation = mutation.ToString() };
        var result = TemporaryCampaign.Run(config, new SessionOptions(Guard, 1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)) { StopAtFirstFinding = true },
            _ => Kernels.Native);
        Assert.True(result.Findings.Count == 1, result.Traces < Seeds
            ? $"{mutation}: the {Guard.TotalMinutes} min guard stopped the run after {result.Traces:N0} of {Seeds:N0} traces"
            : $"{mutation}: survived all {Seeds:N0} traces");
        var bug = result.Findings[0];
        var shrunk = bug.Shrunk;
        output.WriteLine($"{mutation}: killed after {result.Traces} traces by {shrunk.Finding}");
        output.WriteLine(TraceText.Print(FoundTraces.Document(shrunk.Trace, shrunk.Finding, "linux-6.12", bug.Seed)));
        Assert.True(shrunk.Trace.Calls.Count <= 6, $"shrunk to {shrunk.Trace.Calls.Count} calls");
        Assert.Equal(bug.Finding.Signature, shrunk.Finding.Signature);
        // The shrunk trace fails for the same reason when run again, and the unmutated suite passes it.
        Assert.Equal(bug.Finding.Signature, suite.Check(shrunk.Trace)?.Signature);
        var reference = new Suite(new InvariantOracle(KernelProfile.Linux612), new DifferentialOracle(Kernels.Native));
        Assert.Null(reference.Check(shrunk.Trace));
    }
}
