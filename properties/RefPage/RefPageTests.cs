using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.RefPage;

/// <summary>
/// MAP_REFPAGE found by generated sequences (RefPageSearch): the posted patch breaks the exit invariant (check_mm's
/// "Bad rss-counter state") and gives the seed's exact values, each shrunk to at most 6 calls; the corrected accounting
/// breaks no invariant on the same generator; and the kept traces still say so.
/// </summary>
public class RefPageTests(ITestOutputHelper log)
{
    static readonly KernelProfile Posted = RefPageSearch.Profile(RefPageRules.Posted), Corrected = RefPageSearch.Profile(RefPageRules.Corrected);

    /// <summary>Only a guard against a hang: each search's verdict is its trace count, the same on every machine.</summary>
    internal static readonly TimeSpan Guard = TimeSpan.FromMinutes(30);

    [Fact]
    public void The_exit_invariant_catches_the_posted_patch_and_shrinks_it_to_at_most_6_calls()
    {
        var hit = RefPageSearch.Hunt(Posted, Invariants.All.Single(i => i.Name == nameof(Invariants.RssZeroAtExit)), 20_000, Guard, out long ran);
        Assert.True(hit is not null, $"not broken by {ran:N0} traces");
        log.WriteLine($"seed {hit.Seed}: {hit.Finding.Message}\n{TraceText.Print(TraceDocument.Of(hit.Trace))}");
        Assert.True(hit.Trace.Calls.Count <= 6, $"{hit.Trace.Calls.Count} calls");
        Assert.StartsWith("RssZeroAtExit: p", hit.Finding.Message);
        Assert.Contains(hit.Trace.Calls, c => c is MmapCall m && (m.Flags & Model.Abi.Map.RefPage) != 0);
    }

    [Fact]
    public void Generated_sequences_reach_the_seeds_exact_bad_rss_counters()
    {
        var hit = RefPageSearch.Hunt(Posted, RefPageSearch.SeedsBadRssCounters, 500_000, Guard, out long ran);
        Assert.True(hit is not null, $"not reached by {ran:N0} traces");
        log.WriteLine($"seed {hit.Seed} ({hit.ToFind.TotalSeconds:F1} s):\n{TraceText.Print(TraceDocument.Of(hit.Trace))}");
        Assert.True(hit.Trace.Calls.Count <= 6, $"{hit.Trace.Calls.Count} calls");
        Assert.EndsWith("Bad rss-counter state idx:1 val:-2, idx:3 val:2", hit.Finding.Message);
    }

    [Fact]
    public void The_corrected_accounting_breaks_no_invariant_on_the_same_generator()
    {
        var r = RefPageSearch.Campaign(Corrected, Guard, maxTraces: 20_000);
        log.WriteLine($"{r.Traces} traces, {r.Calls} calls");
        Assert.True(r.First is null, $"seed {r.Seed}: {r.First}");
        Assert.True(r.Traces == 20_000, $"the guard stopped it after {r.Traces:N0} traces");
    }

    public static TheoryData<string> Corpus =>
        [.. Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "traces", "corpus", "refpage"), "*.trace").Select(f => Path.GetFileName(f)).Order()];

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_kept_trace_breaks_its_check_on_the_posted_patch_and_nothing_once_corrected(string file)
    {
        var doc = TraceText.Load(Path.Combine(RepoPaths.Root, "traces", "corpus", "refpage", file));
        Assert.Equal(Posted, KernelProfile.ByName(doc.Get("profile")!));
        var check = Path.GetFileNameWithoutExtension(file) == RefPageSearch.SeedsBadRssCounters.Name
            ? RefPageSearch.SeedsBadRssCounters : Invariants.All.Single(i => i.Name == Path.GetFileNameWithoutExtension(file));
        Assert.True(doc.Trace.Calls.Count <= 6);
        Assert.Equal(doc.Get("check"), new CheckOracle(Posted, [check]).CheckOne(doc.Trace)?.Signature);
        Assert.Null(new CheckOracle(Corrected, [.. Invariants.All, RefPageSearch.SeedsBadRssCounters]).CheckOne(doc.Trace));
    }

    [Fact]
    public void Profile_names_with_refpage_rules_and_designs_read_back()
    {
        foreach (var p in new[] { Posted, Corrected, KernelProfile.Linux612.WithNaming(NamingDesign.Cookie), KernelProfile.Linux612 })
            Assert.Equal(p, KernelProfile.ByName(p.Name));
        Assert.Null(KernelProfile.ByName("linux-6.12+refpage-none"));
        Assert.Null(KernelProfile.ByName("linux-6.12/refcount"));
        Assert.Null(KernelProfile.ByName("linux-6.13"));
    }
}
