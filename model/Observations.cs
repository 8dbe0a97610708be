namespace AnonVma.Model;

/// <summary>How a judge's run of one trace ended; only Completed runs can be compared call by call to the end.</summary>
public enum RunEnd
{
    /// <summary>Every call ran.</summary>
    Completed,
    /// <summary>The judge refused the trace before running any of it (outside the arena, a call to an exited process…).</summary>
    Rejected,
    /// <summary>A call did not answer in time; the steps before it are kept.</summary>
    Timeout,
    /// <summary>A trace process died on its own; the steps before it are kept.</summary>
    Crash,
    /// <summary>The judge's output stopped before the trace's end (a hung or crashed kernel).</summary>
    Lost,
}

/// <summary>One process's view after a call: the maps and smaps lines of the arena, or gone when it exited in that call.</summary>
public sealed record ProcessView(int Pid, bool Gone, IReadOnlyList<string> Maps, IReadOnlyList<string> Smaps);

/// <summary>What one call returned (in the executor's spelling) and what every live process looked like afterwards.</summary>
public sealed record Step(int Index, int Pid, string Result, IReadOnlyList<ProcessView> Processes);

/// <summary>
/// Everything one judge observed for one trace: the common currency that comparisons read. KernelLog holds what the
/// kernel logged while the trace ran, when the judge was asked to read it (an executor's "option kmsg"), else null.
/// </summary>
public sealed record TraceRun(string TraceId, RunEnd End, string? Detail, IReadOnlyList<Step> Steps, IReadOnlyList<string>? KernelLog = null);
