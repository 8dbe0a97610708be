using AnonVma.Judges;
using AnonVma.Model;
using Trace = AnonVma.Model.Trace;

/// <summary>
/// What a kernel benchmark may count: a run that completed with every call answered. A run that failed (QEMU that did
/// not boot, a lost, timed-out or crashed trace) measures neither a kernel's speed nor a mutant's death.
/// </summary>
static class CompletedRuns
{
    public static bool Complete(Trace trace, TraceRun run) => run.End == RunEnd.Completed && run.Steps.Count == trace.Calls.Count;

    public static string Describe(Trace trace, TraceRun run) =>
        $"trace {trace.Id} ended {run.End} after {run.Steps.Count} of {trace.Calls.Count} calls{(run.Detail is null ? "" : ": " + run.Detail)}";

    /// <summary>The calls of the completed runs, how many runs failed, and the first failure described (null if none).</summary>
    public static (long Calls, int Failed, string? First) Count(IReadOnlyList<Trace> traces, IReadOnlyList<TraceRun> runs)
    {
        long calls = 0;
        int failed = 0;
        string? first = null;
        for (int i = 0; i < traces.Count; i++)
        {
            if (Complete(traces[i], runs[i])) { calls += traces[i].Calls.Count; continue; }
            failed++;
            first ??= Describe(traces[i], runs[i]);
        }
        return (calls, failed, first);
    }
}

/// <summary>A run that did not complete, where a benchmark must not go on as if it had.</summary>
sealed class IncompleteRunException(string judge, string what) : Exception($"{judge}: {what}");

/// <summary>
/// A kernel judge that throws on any run that did not complete, so a failed kernel run can never pass for a mutant's
/// kill (DifferentialOracle reports it as a difference). Rejected traces pass through: the model refuses them too.
/// </summary>
sealed class CompletingJudge(IJudge kernel) : IJudge
{
    public string Name => kernel.Name;
    public KernelProfile Profile => kernel.Profile;

    public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces)
    {
        var runs = kernel.Run(traces);
        for (int i = 0; i < traces.Count; i++)
            if (runs[i].End != RunEnd.Rejected && !CompletedRuns.Complete(traces[i], runs[i]))
                throw new IncompleteRunException(Name, CompletedRuns.Describe(traces[i], runs[i]));
        return runs;
    }
}
