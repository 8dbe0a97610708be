using AnonVma.Campaign.Report;
using AnonVma.Traces.Generate;
using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// Reads a campaign directory into the report's data and writes report.html and summary.md beside it, and for each
/// re-implementation it judged conformance-JUDGE.md and .html, atomically.
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes both files; returns what they were drawn from.</summary>
    public static ReportData Write(CampaignDirectory dir)
    {
        var config = dir.ReadConfig();
        var state = dir.ReadState();
        var store = new FindingStore(dir.FindingsDir);
        string Relative(string path) => Path.GetRelativePath(dir.Path, path).Replace('\\', '/');
        var findings = store.All.Select(r =>
        {
            string? shrunk = File.Exists(store.ShrunkPath(r)) ? File.ReadAllText(store.ShrunkPath(r)) : null;
            int? calls = shrunk is null ? null : TraceText.Parse(shrunk, store.ShrunkPath(r)).Trace.Calls.Count;
            // A finding whose first block was cut short is on disk before its block is counted: it was still seen once.
            long count = Math.Max(1, state.FindingCounts.GetValueOrDefault(r.Signature));
            return new ReportFinding(r, count, shrunk, calls, Relative(shrunk is null ? store.OriginalPath(r) : store.ShrunkPath(r)),
                File.Exists(store.ReproducerPath(r)) ? Relative(store.ReproducerPath(r)) : null);
        }).ToList();
        string which = state.MergedShards > 0 ? $" (merged from {state.MergedShards} shard{(state.MergedShards == 1 ? "" : "s")})" :
                       config.ShardCount > 1 ? $" (shard {config.Shard})" : "";
        var data = new ReportData($"AnonVma campaign{which}", config, state, Timeline.Read(dir.TimelineFile), findings, Coverage.Expected, DateTimeOffset.UtcNow);
        AtomicFile.Write(dir.ReportFile, HtmlReport.Render(data));
        AtomicFile.Write(dir.SummaryFile, MarkdownSummary.Render(data));
        foreach (var judge in config.Implementations)
        {
            var (md, html) = ConformanceReport.Paths(dir, judge);
            AtomicFile.Write(md, ConformanceReport.Markdown(data, judge));
            AtomicFile.Write(html, ConformanceReport.Html(data, judge));
        }
        return data;
    }
}
