using AnonVma.Fuzz;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Properties.Generated;

/// <summary>
/// What a generated property says when it fails: the finding, the trace shrunk by the suite's own shrinker, saved
/// under traces/found/, printed in the trace format, and the command that replays it.
/// </summary>
public static class Failures
{
    public static string Explain(Trace trace, Finding finding, IOracle oracle, string profile, string? seedNote = null)
    {
        var shrunk = Shrinker.Shrink(trace, finding, oracle);
        var doc = FoundTraces.Document(shrunk.Trace, shrunk.Finding, profile, null);
        if (seedNote is not null) doc = doc.With("source", seedNote);
        var path = FoundTraces.Save(doc);
        return $"{finding}\n" +
               $"shrunk from {trace.Calls.Count} to {shrunk.Trace.Calls.Count} calls ({shrunk.CandidatesRun} candidates), saved as {path}\n" +
               $"replay: {FoundTraces.ReplayCommand(path)}\n\n" + TraceText.Print(doc) +
               (shrunk.Finding.Report is { } r ? "\n" + r : "");
    }
}
