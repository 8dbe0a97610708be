using AnonVma.Judges;
using AnonVma.Model;
using Trace = AnonVma.Model.Trace;

/// <summary>
/// What a kernel benchmark may count: a run that completed with every call answered. A run that failed (QEMU that did
/// not boot, a lost, timed-out or crashed trace) measures neither a kernel's speed nor a mutant's death.
/// </summary>
static class CompletedRuns
{
    /// <summary>Null for a run that completed with every call answered; else what became of it.</summary>
    public static string? Failure(Trace trace, TraceRun run) =>
        run.End == RunEnd.Completed && run.Steps.Count == trace.Calls.Count ? null
            : $"trace {trace.Id} ended {run.End} after {run.Steps.Count} of {trace.Calls.Count} calls{(run.Detail is null ? "" : ": " + run.Detail)}";
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
            if (runs[i].End != RunEnd.Rejected && CompletedRuns.Failure(traces[i], runs[i]) is { } why)
                throw new IncompleteRunException(Name, why);
        return runs;
    }
}
