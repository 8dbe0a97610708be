namespace AnonVma.Model.State;

/// <summary>
/// struct anon_vma_name: one per prctl call, shared by reference on split and fork, freed when the last VMA lets go.
/// Its lifecycle is <see cref="NameLifecycle"/>; the refcount is checked against the VMAs that point at it.
/// </summary>
public sealed class AnonName(long id, string value, string? setText = null, ulong? pointer = null)
{
    /// <summary>Allocation order, so traces and reports can tell objects with equal strings apart.</summary>
    public long Id { get; } = id;
    /// <summary>What the kernel keeps and compares: the string (or, under other designs, the cookie or "@0x…" for the pointer).</summary>
    public string Value { get; } = value;
    /// <summary>The name as the caller meant it when it set it, whatever the design keeps (a property's reference).</summary>
    public string SetText { get; } = setText ?? value;
    /// <summary>NamingDesign.UserPointer: the address the name is read from whenever maps is read.</summary>
    public ulong? Pointer { get; } = pointer;
    public int Refs = 1;
    public NameState State = NameState.Allocated;
    public override string ToString() => $"\"{Value}\"#{Id} refs={Refs} {State}";
}
