using AnonVma.Model.State;

namespace AnonVma.Model.Checks;

/// <summary>The first thing a named check found wrong, with the process and VMAs involved, so a report can point at them.</summary>
public sealed record Violation(string Check, int Pid, string Message, IReadOnlyList<Vma> Vmas)
{
    public override string ToString() =>
        $"{Check}: p{Pid}: {Message}" + (Vmas.Count == 0 ? "" : " [" + string.Join("; ", Vmas) + "]");
}
