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
    public static TheoryData<Mutation> All() => new(Enum.GetValues<Mutation>());

    [Theory]
    [MemberData(nameof(All))]
    public void The_suite_kills_the_mutant_and_shrinks_it_to_at_most_6_calls(Mutation mutation)
    {
        var muts = new Mutations(mutation);
        var suite = new Suite(new InvariantOracle(KernelProfile.Linux612, muts), new DifferentialOracle(Kernels.Native, muts));
        var config = new CampaignConfig { Judges = ["model", "native"], Seeds = 20_000, LongEvery = 0, Mutation = mutation.ToString() };
        var result = TemporaryCampaign.Run(config, new SessionOptions(TimeSpan.FromMinutes(5), 1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5)) { StopAtFirstFinding = true },
            _ => Kernels.Native);
        var bug = Assert.Single(result.Findings);
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
