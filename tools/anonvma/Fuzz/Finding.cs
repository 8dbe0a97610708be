namespace AnonVma.Fuzz;

/// <summary>
/// Something the suite found wrong with a trace: which check failed (an invariant, or the kind of first difference
/// from a real kernel), at which call, and what was expected and observed. The signature is what "the same reason"
/// means to the shrinker and to deduplication.
/// </summary>
/// <param name="Check">"invariant:NameRefcountBalance", "differs:result", "differs:maps", "crash:InvalidOperationException"…</param>
/// <param name="CallKind">The failing call's kind, as coverage names it (mmap, name, fork…).</param>
/// <param name="CallIndex">The failing call's index in the trace.</param>
/// <param name="Oracle">Which oracle found it, e.g. "invariants(linux-6.12)" or "model(host-6.18) vs native-6.18".</param>
public sealed record Finding(string Check, string CallKind, int CallIndex, string Oracle, string Message, string Expected, string Observed)
{
    public string Signature => $"{Check} at {CallKind}";

    /// <summary>Who was expected to be right and who was observed, as the saved trace's comments name them.</summary>
    public (string Expected, string Observed) Labels { get; init; } = ("expected", "observed");

    /// <summary>The full first-difference report (calls, both sides, a line diff) when a real kernel was involved.</summary>
    public string? Report { get; init; }

    public override string ToString() => $"{Signature} (call {CallIndex}, {Oracle}): {Message}";
}
