using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.Designs;

/// <summary>
/// The naming designs run the full set of checks on the same generated traces (DesignSearch): mainline breaks nothing,
/// every other design breaks at least one name property, and each kept counterexample (traces/corpus/designs) still
/// breaks its check on its design in at most 6 calls while mainline keeps every check on it.
/// </summary>
public class NamingDesignTests(ITestOutputHelper log)
{
    const int Traces = 2000, Length = 24;

    public static TheoryData<string> OtherDesigns => [.. Enum.GetValues<NamingDesign>().Where(d => d != NamingDesign.Refcount).Select(d => d.Key())];

    [Fact]
    public void Mainline_breaks_no_name_property_and_no_invariant()
    {
        var r = DesignSearch.Run(NamingDesign.Refcount, Traces, Length);
        log.WriteLine($"{r.Traces} traces, {r.Calls} calls");
        Assert.True(r.Broken.Count == 0, string.Join("\n", r.Broken.Select(c => $"{c.Check}: {c.Finding}")));
        Assert.True(r.Counts.Allocations.Sum() > 1000, "the traces set names");
    }

    [Theory]
    [MemberData(nameof(OtherDesigns))]
    public void Every_other_design_breaks_a_name_property_shrunk_to_at_most_6_calls(string key)
    {
        var r = DesignSearch.Run(NamingDesigns.ByKey(key)!.Value, Traces, Length);
        foreach (var c in r.Broken) log.WriteLine($"{c.Check}: {c.Trace.Calls.Count} calls, from seed {c.Seed}");
        var properties = r.Broken.Where(c => NameProperties.All.Any(p => p.Name == c.Check)).ToList();
        Assert.NotEmpty(properties);
        Assert.All(r.Broken, c => Assert.True(c.Trace.Calls.Count <= 6, $"{c.Check}: {c.Trace.Calls.Count} calls"));
        // Each counterexample separates the design from mainline.
        Assert.All(r.Broken, c => Assert.Null(new CheckOracle(KernelProfile.Linux612, DesignSearch.Checks).CheckOne(c.Trace)));
    }

    public static TheoryData<string> Corpus =>
        [.. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "traces", "corpus", "designs"), "*.trace", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(RepoPaths.Root, f)).Order()];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_kept_counterexample_still_breaks_its_check_on_its_design_and_none_on_mainline(string file)
    {
        var doc = TraceText.Load(Path.Combine(RepoPaths.Root, file));
        string design = Path.GetFileName(Path.GetDirectoryName(file))!, check = Path.GetFileNameWithoutExtension(file);
        var profile = KernelProfile.ByName(doc.Get("profile")!)!;
        Assert.Equal(NamingDesigns.ByKey(design), profile.Naming);
        Assert.True(doc.Trace.Calls.Count <= 6, $"{doc.Trace.Calls.Count} calls");
        var one = DesignSearch.Checks.Single(c => c.Name == check);
        var f = new CheckOracle(profile, [one]).CheckOne(doc.Trace);
        Assert.NotNull(f);
        Assert.Equal(doc.Get("check"), f.Signature);
        Assert.Null(new CheckOracle(KernelProfile.Linux612, DesignSearch.Checks).CheckOne(doc.Trace));
    }

    [Fact]
    public void Every_other_design_keeps_a_name_property_counterexample_and_mainline_none()
    {
        string root = Path.Combine(RepoPaths.Root, "traces", "corpus", "designs");
        Assert.False(Directory.Exists(Path.Combine(root, NamingDesign.Refcount.Key())));
        foreach (var d in Enum.GetValues<NamingDesign>().Where(d => d != NamingDesign.Refcount))
            Assert.Contains(NameProperties.All, p => File.Exists(DesignSearch.CorpusPath(RepoPaths.Root, d, p.Name)));
    }
}
