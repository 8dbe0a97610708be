using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.RefPage;

/// <summary>
/// MAP_REFPAGE's open question decided by properties (docs/MAP-REFPAGE.md): the reference page looked up on every fault
/// (the corrected accounting) against the page taken at mmap (RefPageRules.Pinned). The lookup breaks what a later
/// munmap, remap or mremap should leave alone; neither makes a mapping follow later writes that copy the page. (The remap case,
/// ReadsShareOnePage, is a named scenario: generated remaps of the reference address almost always leave the zero page
/// there, which the model refuses to follow, so the hunt does not reach it.)
/// </summary>
public class RefPageVariantTests(ITestOutputHelper log)
{
    /// <summary>What each variant breaks (RefPageScenarios shows each by name), and what it breaks by mremap alone.</summary>
    static readonly Dictionary<RefPageRules, string[]> Breaks = new()
    {
        [RefPageRules.Corrected] = [nameof(RefPageProperties.FaultsKeepWorking), nameof(RefPageProperties.ReadsShareOnePage), nameof(RefPageProperties.ReadsFollowTheAddress),
            "FaultsKeepWorkingUnderMremap", "ReadsShareOnePageUnderMremap", "ReadsFollowTheAddressUnderMremap"],
        [RefPageRules.Pinned] = [nameof(RefPageProperties.ReadsFollowTheAddress), "ReadsFollowTheAddressUnderMremap"],
    };

    public static TheoryData<RefPageRules> Variants => [RefPageRules.Corrected, RefPageRules.Pinned];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Generated_traces_break_the_properties_each_variant_breaks_and_no_other(RefPageRules rules)
    {
        var profile = RefPageSearch.Profile(rules);
        var broken = new List<string>();
        foreach (var property in RefPageProperties.All)
        {
            var hit = RefPageSearch.Hunt(profile, property, RefPageSearch.VariantTraces, RefPageTests.Guard, out long ran);
            if (hit is null)
            {
                Assert.True(ran == RefPageSearch.VariantTraces, $"{property.Name}: the guard stopped the hunt after {ran:N0} traces");
                continue;
            }
            broken.Add(property.Name);
            log.WriteLine($"{property.Name}: seed {hit.Seed}, {hit.ShrunkFrom} -> {hit.Trace.Calls.Count} calls: {hit.Finding.Message}");
            Assert.InRange(hit.Trace.Calls.Count, 1, 6);
        }
        Assert.Subset(Breaks[rules].ToHashSet(), broken.ToHashSet()); // nothing a variant keeps is broken
        Assert.Contains(nameof(RefPageProperties.ReadsFollowTheAddress), broken);
        if (rules == RefPageRules.Corrected) Assert.Contains(nameof(RefPageProperties.FaultsKeepWorking), broken);
    }

    [Theory] // the same asked of mremap alone, with mremap among the generated calls: every break is reached here
    [MemberData(nameof(Variants))]
    public void Generated_traces_with_mremap_break_under_mremap_exactly_what_each_variant_breaks(RefPageRules rules)
    {
        var profile = RefPageSearch.Profile(rules);
        var broken = new List<string>();
        foreach (var property in RefPageProperties.UnderMremapAll)
        {
            var hit = RefPageSearch.Hunt(profile, property, RefPageSearch.VariantTraces, RefPageTests.Guard, out long ran, settings: RefPageSearch.RemapSettings);
            if (hit is null)
            {
                Assert.True(ran == RefPageSearch.VariantTraces, $"{property.Name}: the guard stopped the hunt after {ran:N0} traces");
                continue;
            }
            broken.Add(property.Name);
            log.WriteLine($"{property.Name}: seed {hit.Seed}, {hit.ShrunkFrom} -> {hit.Trace.Calls.Count} calls: {hit.Finding.Message}");
            Assert.Contains(hit.Trace.Calls, c => c is MremapCall);
            Assert.InRange(hit.Trace.Calls.Count, 1, 8);
        }
        Assert.Equal(Breaks[rules].Where(b => b.EndsWith("UnderMremap")).Order(), broken.Order());
    }

    public static TheoryData<string> Kept => new(Directory.GetFiles(Path.Combine(RepoPaths.Root, "traces", "corpus", "refpage"), "*.trace", SearchOption.AllDirectories)
        .Where(p => Path.GetFileName(Path.GetDirectoryName(p)) is "corrected" or "pinned").Select(p => Path.GetRelativePath(RepoPaths.Root, p)).Order());

    [Theory] // each kept counterexample breaks its property on its variant; on the other variant, only where that one breaks it too
    [MemberData(nameof(Kept))]
    public void Each_kept_counterexample_breaks_its_property_on_its_variant(string path)
    {
        var doc = TraceText.Load(Path.Combine(RepoPaths.Root, path));
        var rules = Enum.Parse<RefPageRules>(Path.GetFileName(Path.GetDirectoryName(path))!, ignoreCase: true);
        var property = RefPageProperties.All.Concat(RefPageProperties.UnderMremapAll).Single(p => p.Name == Path.GetFileNameWithoutExtension(path));
        Assert.InRange(doc.Trace.Calls.Count, 1, 8);
        foreach (var variant in Breaks.Keys)
        {
            var found = new CheckOracle(RefPageSearch.Profile(variant), [property]).CheckOne(doc.Trace);
            if (variant == rules) Assert.NotNull(found);
            else if (!Breaks[variant].Contains(property.Name)) Assert.Null(found);
        }
    }
}
