namespace AnonVma.Campaign;

/// <summary>A snapshot of a running campaign for the live display and the plain log lines.</summary>
/// <param name="Elapsed">This session's time.</param>
/// <param name="Left">Time left in this session's budget.</param>
/// <param name="CampaignSeconds">Campaign time over all sessions.</param>
/// <param name="SeedsDone">Seeds done per lane.</param>
/// <param name="SeedsTotal">Seeds this shard owns, or null when bounded by time only.</param>
/// <param name="JudgeCalls">Calls checked per judge, over the whole campaign.</param>
/// <param name="SessionJudgeCalls">Calls checked per judge in this session (for rates).</param>
/// <param name="Coverage">Per category: labels reached and labels expected.</param>
/// <param name="Findings">Distinct findings.</param>
/// <param name="Recurrences">Traces that showed a finding, all signatures together.</param>
/// <param name="Activity">What each worker is doing, e.g. "main: block 812", "qemu: booting block 3", "main: shrinking …".</param>
public sealed record CampaignProgress(
    TimeSpan Elapsed, TimeSpan Left, double CampaignSeconds, long Traces, long SessionTraces,
    IReadOnlyDictionary<string, long> SeedsDone, long? SeedsTotal,
    IReadOnlyDictionary<string, long> JudgeCalls, IReadOnlyDictionary<string, long> SessionJudgeCalls,
    IReadOnlyList<(string Category, int Reached, int Expected)> Coverage,
    int Findings, long Recurrences, IReadOnlyList<string> Activity, IReadOnlyList<string> NewFindings);
