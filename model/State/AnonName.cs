namespace AnonVma.Model.State;

/// <summary>
/// struct anon_vma_name: one per prctl call, shared by reference on split and fork, freed when the last VMA lets go.
/// Its lifecycle is <see cref="NameLifecycle"/>; the refcount is checked against the VMAs that point at it.
/// </summary>
public sealed class AnonName(long id, string value)
{
    /// <summary>Allocation order, so traces and reports can tell objects with equal strings apart.</summary>
    public long Id { get; } = id;
    public string Value { get; } = value;
    public int Refs = 1;
    public NameState State = NameState.Allocated;
    public override string ToString() => $"\"{Value}\"#{Id} refs={Refs} {State}";
}
