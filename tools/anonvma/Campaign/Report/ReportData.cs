namespace AnonVma.Campaign.Report;

/// <summary>A finding as the report shows it: its record, how often it recurred, and its files (paths relative to the campaign directory).</summary>
/// <param name="ShrunkTrace">The shrunk trace's text, embedded so the page stands alone; null while it is still being shrunk.</param>
/// <param name="ShrunkCalls">Calls in the shrunk trace, or null when not shrunk yet.</param>
/// <param name="TracePath">e.g. "findings/differs-smaps-munmap-on-native/shrunk.trace" (or original.trace when not shrunk).</param>
/// <param name="ReproducerPath">e.g. "findings/…/repro.c", or null when there is none yet.</param>
/// <param name="Sides">For a re-implementation's finding: Linux's run of the shrunk trace beside the implementation's, call by call; null when not stored.</param>
public sealed record ReportFinding(FindingRecord Record, long Count, string? ShrunkTrace, int? ShrunkCalls, string TracePath, string? ReproducerPath,
    IReadOnlyList<AnonVma.Judges.SideBySide.Call>? Sides = null);

/// <summary>Everything the HTML report and the Markdown summary are drawn from; both are pure functions of it.</summary>
/// <param name="Title">e.g. "AnonVma campaign" or "AnonVma campaign (merged from 4 shards)".</param>
/// <param name="Timeline">Samples in campaign-time order (possibly from several sessions or shards).</param>
/// <param name="ExpectedCoverage">The labels the generator is built to reach (generators' Coverage.Expected).</param>
public sealed record ReportData(
    string Title, CampaignConfig Config, CampaignState State, IReadOnlyList<TimelineSample> Timeline,
    IReadOnlyList<ReportFinding> Findings, IReadOnlyList<string> ExpectedCoverage, DateTimeOffset GeneratedAt);
