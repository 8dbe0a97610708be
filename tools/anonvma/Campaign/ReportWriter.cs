using AnonVma.Campaign.Report;
using AnonVma.Traces.Generate;
using AnonVma.Traces;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Campaign;

/// <summary>
/// Reads a campaign directory into the report's data and writes report.html and summary.md beside it, and for each
/// re-implementation it judged conformance-JUDGE.md and .html, atomically.
/// </summary>
public static class ReportWriter
{
    /// <summary>The one run a stored run file holds (FindingStore.RunPaths); a file that is not one is a broken campaign directory.</summary>
    static TraceRun OneRun(string path)
    {
        try
        {
            var runs = ExecutorOutput.Parse(File.ReadAllText(path), path);
            return runs.Count == 1 ? runs[0] : throw new CampaignFileException($"{path}: holds {runs.Count} runs, not one");
        }
        catch (ExecutorOutputException e) { throw new CampaignFileException(e.Message); }
    }

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
            var trace = shrunk is null ? null : TraceText.Parse(shrunk, store.ShrunkPath(r)).Trace;
            // A finding whose first block was cut short is on disk before its block is counted: it was still seen once.
            long count = Math.Max(1, state.FindingCounts.GetValueOrDefault(r.Signature));
            var (linux, observed) = store.RunPaths(r);
            var sides = trace is not null && File.Exists(linux) && File.Exists(observed)
                ? SideBySide.Build(trace, OneRun(linux), OneRun(observed)) : null;
            return new ReportFinding(r, count, shrunk, trace?.Calls.Count, Relative(shrunk is null ? store.OriginalPath(r) : store.ShrunkPath(r)),
                File.Exists(store.ReproducerPath(r)) ? Relative(store.ReproducerPath(r)) : null, sides);
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
