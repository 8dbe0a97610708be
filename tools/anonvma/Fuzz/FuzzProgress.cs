namespace AnonVma.Fuzz;

/// <summary>A snapshot of a running `fuzz`, for its one progress line.</summary>
public sealed record FuzzProgress(long Traces, long Calls, TimeSpan Elapsed, TimeSpan Budget, int Findings);
