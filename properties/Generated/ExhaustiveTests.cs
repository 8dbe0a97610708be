using AnonVma.Fuzz;
using AnonVma.Model;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.Generated;

/// <summary>
/// Small-scope exhaustive checking: every call sequence to depth 6 over a 4-page arena with 2 names, every invariant
/// after every call. Sequences reaching an equal model state are explored once (Exhaustive.Key).
/// </summary>
public class ExhaustiveTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("linux-6.12")]
    [InlineData("host-6.18")]
    public void Every_sequence_to_depth_6_with_writes_keeps_every_invariant(string profile)
    {
        var r = new Exhaustive { Profile = KernelProfile.ByName(profile)! }.Run(6);
        Report(r);
        Assert.Null(r.Violation);
        Assert.Equal(7, r.StatesPerDepth.Count); // depth 6 was reached, not cut short
    }

    [Fact]
    public void Every_sequence_to_depth_6_with_a_fork_and_calls_in_the_child_keeps_every_invariant()
    {
        var r = new Exhaustive { Profile = KernelProfile.Linux612, WithFork = true, Touches = false }.Run(6);
        Report(r);
        Assert.Null(r.Violation);
        Assert.Equal(7, r.StatesPerDepth.Count);
    }

    /// <summary>The search is not vacuous: wrong rules are found, each with a shortest counterexample.</summary>
    [Theory]
    [InlineData(Mutation.SplitForgetsName, 3)]
    [InlineData(Mutation.MergeComparesNameObjects, 4)]
    [InlineData(Mutation.MlockSkipsPopulate, 2)]
    [InlineData(Mutation.ForkSkipsNameRef, 3)]
    [InlineData(Mutation.ChildKeepsLocked, 3)]
    public void The_search_finds_a_wrong_rule_with_a_shortest_sequence(Mutation mutation, int maxCalls)
    {
        var r = new Exhaustive { Profile = KernelProfile.Linux612, WithFork = true, Mutations = new Mutations(mutation) }.Run(maxCalls);
        Assert.NotNull(r.Violation);
        output.WriteLine($"{mutation}: {r.Violation}");
        output.WriteLine(TraceText.Print(TraceDocument.Of(r.Counterexample!)));
        Assert.True(r.Counterexample!.Calls.Count <= maxCalls);
    }

    void Report(Exhaustive.Result r) =>
        output.WriteLine($"alphabet {r.Alphabet} calls, {r.States:N0} distinct states, {r.Transitions:N0} transitions; new states per depth: {string.Join(", ", r.StatesPerDepth)}");
}
