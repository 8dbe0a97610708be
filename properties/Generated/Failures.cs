using AnonVma.Fuzz;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Properties.Generated;

/// <summary>
/// What a generated property says when it fails: the finding, the trace shrunk by the suite's own shrinker, saved
/// under traces/found/, printed in the trace format, and the command that replays it. Called once per failing run,
/// after the property library is done with its own search (FsCheck does not shrink the choices; CsCheck's smallest
/// failing example is explained once its run ends), never from inside the library's shrinking.
/// </summary>
public static class Failures
{
    static int explained;

    /// <summary>How many failures were shrunk and saved in this process (a test holds it to one per failing run).</summary>
    public static int Explained => Volatile.Read(ref explained);

    public static string Explain(Trace trace, Finding finding, IOracle oracle, string profile, string? seedNote = null, string? directory = null)
    {
        var shrunk = Shrinker.Shrink(trace, finding, oracle);
        var doc = FoundTraces.Document(shrunk.Trace, shrunk.Finding, profile, null);
        if (seedNote is not null) doc = doc.With("source", seedNote);
        var path = FoundTraces.Save(doc, directory);
        Interlocked.Increment(ref explained);
        return $"{finding}\n" +
               $"shrunk from {trace.Calls.Count} to {shrunk.Trace.Calls.Count} calls ({shrunk.CandidatesRun} candidates), saved as {path}\n" +
               $"replay: {FoundTraces.ReplayCommand(path)}\n\n" + TraceText.Print(doc) +
               (shrunk.Finding.Report is { } r ? "\n" + r : "");
    }
}
