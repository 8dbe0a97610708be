using AnonVma.Generators;
using AnonVma.Model;
using Xunit.Abstractions;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The generator keeps reaching what it is built to reach: every call, merge and split shape, odd range, name kind,
/// touch situation and invariant precondition in Coverage.Expected, over a fixed run of seeds on each profile.
/// </summary>
public class CoverageTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("linux-6.12")]
    [InlineData("host-6.18")]
    public void Five_hundred_generated_traces_reach_every_expected_state(string profile)
    {
        var coverage = new Coverage();
        for (int seed = 1; seed <= 500; seed++) Realiser.Random(seed, 24, KernelProfile.ByName(profile)!, coverage: coverage);
        output.WriteLine(coverage.Report());
        var missing = coverage.Missing().Where(l => !(profile == "host-6.18" && NeedsNames(l))).ToList();
        Assert.True(missing.Count == 0, "never reached: " + string.Join(", ", missing) + "\n" + coverage.Report());
    }

    /// <summary>Without CONFIG_ANON_VMA_NAME no VMA ever has a name, so these states cannot occur on the host profile.</summary>
    static bool NeedsNames(string label) =>
        label is "name/equal-neighbour" or "pre/NamesValid" or "pre/NameRefcountBalance" or "pre/SplitKeepsName";
}
