namespace AnonVma.Campaign;

/// <summary>A snapshot of a running campaign for the live display and the plain log lines.</summary>
/// <param name="Elapsed">This session's time.</param>
/// <param name="Left">Time left in this session's budget.</param>
/// <param name="Total">The campaign's counts over all sessions, a copy whose Seconds is the campaign time now.</param>
/// <param name="Session">This session's counts alone (for rates).</param>
/// <param name="SeedsDone">Seeds done per lane.</param>
/// <param name="SeedsTotal">Seeds this shard owns, or null when bounded by time only.</param>
/// <param name="Findings">Distinct findings.</param>
/// <param name="Activity">What each worker is doing, e.g. "main: block 812", "qemu: block 3", "main: shrinking …".</param>
public sealed record CampaignProgress(
    TimeSpan Elapsed, TimeSpan Left, CampaignState Total, CampaignState Session, IReadOnlyDictionary<string, long> SeedsDone, long? SeedsTotal,
    int Findings, IReadOnlyList<string> Activity, IReadOnlyList<string> NewFindings)
{
    public long Traces => Total.Traces.Values.Sum();
    public IReadOnlyDictionary<string, long> JudgeCalls => Total.JudgeCalls;
    public IReadOnlyList<(string Category, int Reached, int Expected)> Coverage => ByCategory(Total.Coverage);

    /// <summary>Per category, the labels reached (expected or not) and the expected ones.</summary>
    public static List<(string Category, int Reached, int Expected)> ByCategory(IReadOnlyDictionary<string, long> counts)
    {
        var expected = AnonVma.Traces.Generate.Coverage.Expected.GroupBy(Report.HtmlReport.Category).ToDictionary(g => g.Key, g => g.Count());
        var reached = counts.Where(kv => kv.Value > 0).GroupBy(kv => Report.HtmlReport.Category(kv.Key)).ToDictionary(g => g.Key, g => g.Count());
        return expected.Keys.Concat(reached.Keys).Distinct().Select(c => (c, reached.GetValueOrDefault(c), expected.GetValueOrDefault(c))).ToList();
    }
}
