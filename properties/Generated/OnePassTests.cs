using AnonVma.Campaign;
using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The generator's one pass (realise, apply, check the invariants, count coverage, record observations) gives what
/// the separate runs gave: the same trace for a seed, the same invariant finding as InvariantOracle, the same
/// observations as ModelJudge and the same coverage as realising alone.
/// </summary>
public class OnePassTests
{
    static readonly CampaignConfig Config = new() { Judges = ["model"], LongEvery = 16, LongLength = 300 };

    static string Calls(Trace t) => string.Join("\n", t.Calls.Select(WireFormat.Line));

    [Theory]
    [InlineData(null)]
    [InlineData(Mutation.MlockSkipsPopulate)]
    [InlineData(Mutation.SplitForgetsName)]
    public void One_pass_equals_realising_then_checking_then_judging(Mutation? mutation)
    {
        var muts = mutation is { } m ? new Mutations(m) : null;
        var oracle = new InvariantOracle(KernelProfile.Linux612, muts);
        var judge = new ModelJudge(KernelProfile.Linux612) { Mutations = muts };
        var (covPass, covAlone) = (new Coverage(), new Coverage());
        int findings = 0;
        for (long seed = 1; seed <= 160; seed++)
        {
            var g = Schedule.Pass(Config, seed, covPass, muts, checkInvariants: true, observe: true);
            var alone = ScheduledTrace.Of(Config, seed, covAlone);
            Assert.Equal(alone.Id, g.Trace.Id);
            Assert.Equal(Calls(alone), Calls(g.Trace));
            Assert.Equal(Calls(alone), Calls(ScheduledTrace.Of(Config, seed))); // counting coverage changes nothing
            var expected = oracle.CheckOne(alone);
            Assert.Equal(expected?.Key, g.Invariants?.Key);
            Assert.Equal(expected?.CallIndex, g.Invariants?.CallIndex);
            Assert.Equal(expected?.Message, g.Invariants?.Message);
            if (expected is not null) findings++;
            Assert.NotNull(g.Observed);
            Assert.Equal(Comparison.Observed(judge.RunOne(alone)), Comparison.Observed(g.Observed!));
        }
        Assert.Equal(covAlone.Counts.OrderBy(kv => kv.Key), covPass.Counts.OrderBy(kv => kv.Key));
        if (mutation is not null) Assert.True(findings > 0, "the mutant broke no invariant in 160 seeds");
    }
}
