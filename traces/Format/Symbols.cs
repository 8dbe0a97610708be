using AnonVma.Model.Abi;

namespace AnonVma.Traces;

/// <summary>
/// The C names of one kind of int argument (prot, mmap flags, advice…), to print it symbolically and read it back:
/// a bit set prints its known bits in ascending order and any leftover bits as one hex number; a value kind (advice)
/// prints one name or a number.
/// </summary>
internal sealed class Symbols
{
    /// <summary>Names the kind in messages, e.g. "a PROT_ name".</summary>
    public required string Family { get; init; }
    /// <summary>What an empty set prints as.</summary>
    public string Zero { get; init; } = "0";
    /// <summary>A field of the set that holds a value rather than bits (mmap's type field), with its values' names.</summary>
    public uint FieldMask { get; init; }
    public (string Name, uint Value)[] FieldValues { get; init; } = [];
    /// <summary>Single bits (a bit set) or whole values (a value kind), ascending.</summary>
    public required (string Name, uint Value)[] Names { get; init; }
    public bool IsValue { get; init; }

    public static readonly Symbols Prot = new()
    {
        Family = "PROT_", Zero = "PROT_NONE",
        Names = [("PROT_READ", Model.Abi.Prot.Read), ("PROT_WRITE", Model.Abi.Prot.Write), ("PROT_EXEC", Model.Abi.Prot.Exec),
                 ("PROT_SEM", Model.Abi.Prot.Sem), ("PROT_GROWSDOWN", Model.Abi.Prot.GrowsDown), ("PROT_GROWSUP", Model.Abi.Prot.GrowsUp)],
    };

    public static readonly Symbols MapFlags = new()
    {
        Family = "MAP_",
        FieldMask = Map.TypeMask,
        FieldValues = [("MAP_SHARED", Map.Shared), ("MAP_PRIVATE", Map.Private), ("MAP_SHARED_VALIDATE", Map.SharedValidate), ("MAP_DROPPABLE", Map.Droppable)],
        Names = [("MAP_FIXED", Map.Fixed), ("MAP_ANONYMOUS", Map.Anonymous), ("MAP_GROWSDOWN", Map.GrowsDown), ("MAP_DENYWRITE", Map.DenyWrite),
                 ("MAP_EXECUTABLE", Map.Executable), ("MAP_LOCKED", Map.Locked), ("MAP_NORESERVE", Map.NoReserve), ("MAP_POPULATE", Map.Populate),
                 ("MAP_NONBLOCK", Map.NonBlock), ("MAP_STACK", Map.Stack), ("MAP_HUGETLB", Map.HugeTlb), ("MAP_SYNC", Map.Sync),
                 ("MAP_FIXED_NOREPLACE", Map.FixedNoReplace)],
    };

    public static readonly Symbols Mlock2 = new() { Family = "MLOCK_", Names = [("MLOCK_ONFAULT", Mlock.OnFault)] };

    public static readonly Symbols Mlockall = new()
    {
        Family = "MCL_", Names = [("MCL_CURRENT", Mlock.McCurrent), ("MCL_FUTURE", Mlock.McFuture), ("MCL_ONFAULT", Mlock.McOnFault)],
    };

    /// <summary>include/uapi/asm-generic/mman-common.h.</summary>
    public static readonly Symbols Advice = new()
    {
        Family = "MADV_", IsValue = true,
        Names = [("MADV_NORMAL", 0), ("MADV_RANDOM", 1), ("MADV_SEQUENTIAL", 2), ("MADV_WILLNEED", 3), ("MADV_DONTNEED", 4),
                 ("MADV_FREE", 8), ("MADV_REMOVE", 9), ("MADV_DONTFORK", Madv.DontFork), ("MADV_DOFORK", Madv.DoFork),
                 ("MADV_MERGEABLE", 12), ("MADV_UNMERGEABLE", 13), ("MADV_HUGEPAGE", 14), ("MADV_NOHUGEPAGE", 15),
                 ("MADV_DONTDUMP", Madv.DontDump), ("MADV_DODUMP", Madv.DoDump), ("MADV_WIPEONFORK", Madv.WipeOnFork),
                 ("MADV_KEEPONFORK", Madv.KeepOnFork), ("MADV_COLD", 20), ("MADV_PAGEOUT", 21), ("MADV_POPULATE_READ", 22),
                 ("MADV_POPULATE_WRITE", 23), ("MADV_DONTNEED_LOCKED", 24), ("MADV_COLLAPSE", 25)],
    };

    public string Print(int value)
    {
        uint v = (uint)value;
        if (IsValue)
            return Names.FirstOrDefault(n => n.Value == v).Name ?? (value >= 0 ? value.ToString() : $"0x{v:x}");
        var parts = new List<string>();
        uint rest = v;
        if (FieldMask != 0 && FieldValues.FirstOrDefault(f => f.Value == (v & FieldMask)).Name is { } field)
        {
            parts.Add(field);
            rest &= ~FieldMask;
        }
        foreach (var (name, bit) in Names)
            if ((rest & bit) != 0) { parts.Add(name); rest &= ~bit; }
        if (rest != 0) parts.Add($"0x{rest:x}");
        return parts.Count == 0 ? Zero : string.Join('|', parts);
    }

    /// <summary>The value of a name of this kind, or null.</summary>
    public uint? Lookup(string name)
    {
        if (name == Zero) return 0;
        foreach (var (n, v) in FieldValues) if (n == name) return v;
        foreach (var (n, v) in Names) if (n == name) return v;
        return null;
    }
}
