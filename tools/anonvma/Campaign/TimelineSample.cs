namespace AnonVma.Campaign;

/// <summary>
/// One point of the report's charts, appended to timeline.jsonl every few seconds: cumulative counts, so a lost or
/// torn last line only loses a point, never a count.
/// </summary>
/// <param name="Seconds">Campaign time, continuing across sessions.</param>
/// <param name="Session">Which session (1 for the first run, 2 after the first --resume…).</param>
/// <param name="Traces">Traces checked so far, all lanes.</param>
/// <param name="JudgeCalls">Calls checked so far per judge ("model", "native", "qemu").</param>
/// <param name="Coverage">Distinct coverage labels reached so far per category ("call", "merge", "result"…).</param>
/// <param name="Findings">Distinct findings so far.</param>
/// <param name="WorkingSetMiB">The process's resident memory.</param>
/// <param name="GcHeapMiB">The managed heap after the last collection.</param>
public sealed record TimelineSample(
    double Seconds, int Session, long Traces, IReadOnlyDictionary<string, long> JudgeCalls,
    IReadOnlyDictionary<string, int> Coverage, int Findings, double WorkingSetMiB, double GcHeapMiB);
