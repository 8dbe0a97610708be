namespace AnonVma.Model;

/// <summary>
/// A call sequence confined to one arena of the address space: the unit that every judge (the model or a real
/// kernel) runs, and the record a finding is saved as.
/// </summary>
public sealed record Trace(string Id, ulong ArenaBase, ulong ArenaSize, IReadOnlyList<Call> Calls)
{
    /// <summary>The arena every generated and scenario trace uses unless it says otherwise (far from any library or stack).</summary>
    public const ulong DefaultArenaBase = 0x200000000000;
}
