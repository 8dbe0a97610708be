using AnonVma.Judges;

namespace AnonVma.Fuzz;

/// <summary>Which check a finding failed, as data, so signatures are built from it and never parsed back.</summary>
public abstract record FailedCheck
{
    /// <summary>"invariant:NameRefcountBalance", "differs:smaps", "crash:InvalidOperationException": the text form, kept stable for files and headers.</summary>
    public abstract override string ToString();
}

/// <summary>A named invariant of the model broke.</summary>
public sealed record InvariantBroken(string Invariant) : FailedCheck
{
    public override string ToString() => $"invariant:{Invariant}";
}

/// <summary>A property a user of names relies on broke under one naming design (NameProperties).</summary>
public sealed record PropertyBroken(string Property) : FailedCheck
{
    public override string ToString() => $"property:{Property}";
}

/// <summary>The model and a real kernel first differ in this kind of thing (results, maps, smaps…).</summary>
public sealed record Differs(DifferenceKind Kind) : FailedCheck
{
    public override string ToString() => $"differs:{Kind.ToString().ToLowerInvariant()}";
}

/// <summary>The model threw; the exception's type is what groups such findings.</summary>
public sealed record Crashed(string ExceptionType) : FailedCheck
{
    public override string ToString() => $"crash:{ExceptionType}";
}

/// <summary>
/// What "the same reason" means to the shrinker and to deduplication: the failed check, the failing call's kind and
/// the judge that disagreed ("model" for the invariants and crashes).
/// </summary>
public readonly record struct FindingKey(FailedCheck Check, string CallKind, string Judge)
{
    /// <summary>"differs:smaps at munmap on native", the campaign's text form.</summary>
    public override string ToString() => $"{Check} at {CallKind} on {Judge}";
}

/// <summary>
/// Something the suite found wrong with a trace: which check failed (an invariant, or the kind of first difference
/// from a real kernel), at which call, on which judge, and what was expected and observed.
/// </summary>
/// <param name="Check">The failed check as data.</param>
/// <param name="CallKind">The failing call's kind, as coverage names it (mmap, name, fork…).</param>
/// <param name="CallIndex">The failing call's index in the trace.</param>
/// <param name="Judge">"model" for an invariant or a crash, else the kernel judge that disagreed ("native", "qemu").</param>
/// <param name="Oracle">Which oracle found it, e.g. "invariants(linux-6.12)" or "model(host-6.18) vs native-6.18".</param>
public sealed record Finding(FailedCheck Check, string CallKind, int CallIndex, string Judge, string Oracle, string Message, string Expected, string Observed)
{
    /// <summary>"invariant:NameRefcountBalance at fork": the check and call kind, as trace headers and file names show it.</summary>
    public string Signature => $"{Check} at {CallKind}";

    /// <summary>The typed key the shrinker keeps and campaigns deduplicate by.</summary>
    public FindingKey Key => new(Check, CallKind, Judge);

    /// <summary>Who was expected to be right and who was observed, as the saved trace's comments name them.</summary>
    public (string Expected, string Observed) Labels { get; init; } = ("expected", "observed");

    /// <summary>The full first-difference report (calls, both sides, a line diff) when a real kernel was involved.</summary>
    public string? Report { get; init; }

    public override string ToString() => $"{Signature} (call {CallIndex}, {Oracle}): {Message}";
}
