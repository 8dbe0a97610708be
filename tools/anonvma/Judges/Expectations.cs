using AnonVma.Model;
using AnonVma.Model.Text;

using AnonVma.Traces;

namespace AnonVma.Judges;

/// <summary>
/// Holds a judge's run to a trace file's expectations, and turns a run into expectations: how corpus files carry
/// what real kernels were seen to do. Maps are compared as <see cref="Comparison"/> compares them, inodes normalised.
/// </summary>
public static class Expectations
{
    /// <summary>
    /// Null when every expectation holds; otherwise the first one that does not, e.g.
    /// "call 3 (p0: munmap(0x200000000000, 0x1000)): expected -EINVAL, observed 0". Calls are numbered from 0, as the
    /// executor numbers them. A run that ends early fails only if a call it did not reach has an expectation.
    /// </summary>
    public static string? FirstMismatch(TraceDocument doc, TraceRun run)
    {
        if (run.TraceId != doc.Trace.Id) return $"the run is of trace {run.TraceId}, the document of trace {doc.Trace.Id}";
        for (int i = 0; i < doc.Expected.Count && i < doc.Trace.Calls.Count; i++)
        {
            if (doc.Expected[i] is not { } e) continue;
            string call = $"call {i} ({TraceText.Print(doc.Trace.Calls[i])})";
            if (i >= run.Steps.Count)
                return $"{call}: expected {e.Result ?? "its maps"}, but the run ended {run.End} after {run.Steps.Count} calls{(run.Detail is null ? "" : ": " + run.Detail)}";
            var step = run.Steps[i];
            if (e.Result is { } r && r != step.Result) return $"{call}: expected {r}, observed {step.Result}";
            if (e.Views is { } views && ViewMismatch(views, step) is { } why) return $"{call}: {why}";
        }
        return null;
    }

    static string? ViewMismatch(IReadOnlyList<ExpectedView> views, Step step)
    {
        foreach (int pid in views.Select(v => v.Pid).Union(step.Processes.Select(p => p.Pid)).Order())
        {
            var want = views.FirstOrDefault(v => v.Pid == pid);
            var seen = step.Processes.FirstOrDefault(p => p.Pid == pid);
            string expected = want is null ? $"no view of p{pid}" : want.Gone ? $"p{pid} gone" : $"p{pid} alive";
            string observed = seen is null ? $"no view of p{pid}" : seen.Gone ? $"p{pid} gone" : $"p{pid} alive";
            if (expected != observed) return $"expected {expected}, observed {observed}";
            if (want is null || want.Gone) continue;
            string a = Comparison.MapsText(new ProcessView(pid, false, want.Maps, [])), b = Comparison.MapsText(seen!);
            if (a != b)
                return $"p{pid} maps differ (inodes normalised)\n--- expected\n+++ observed\n" +
                       string.Join('\n', LineDiff.Unified(TextLines.Split(a), TextLines.Split(b)));
        }
        return null;
    }

    /// <summary>
    /// The document with every call's expectation taken from a completed run: the result always, and when `maps` is
    /// set every process's maps lines as <see cref="Comparison"/> normalises them (so recording again on another boot
    /// changes nothing); without `maps` the document keeps no maps blocks.
    /// </summary>
    public static TraceDocument Record(TraceDocument doc, TraceRun run, bool maps)
    {
        if (run.TraceId != doc.Trace.Id)
            throw new ArgumentException($"the run is of trace {run.TraceId}, the document of trace {doc.Trace.Id}", nameof(run));
        if (run.End != RunEnd.Completed || run.Steps.Count != doc.Trace.Calls.Count)
            throw new ArgumentException($"trace {run.TraceId}: only a completed run can be recorded; this one ended {run.End} after " +
                                        $"{run.Steps.Count} of {doc.Trace.Calls.Count} calls{(run.Detail is null ? "" : ": " + run.Detail)}", nameof(run));
        var expected = run.Steps.Select(s => new CallExpectation(s.Result, maps ? s.Processes.Select(View).ToArray() : null)).ToArray();
        return doc with { Expected = expected };
    }

    static ExpectedView View(ProcessView p) =>
        p.Gone ? new ExpectedView(p.Pid, true, []) : new ExpectedView(p.Pid, false, TextLines.Split(Comparison.MapsText(p)));
}
