using AnonVma.Model.Abi;

namespace AnonVma.Model.Calls;

/// <summary>
/// The C names of one kind of integer argument (prot, mmap flags, advice…), said once for the trace syntax, the C
/// reproducers and the executor's header: a bit set prints its known bits in ascending order and any leftover bits as
/// one hex number; a value kind (advice) prints one name or a number.
/// </summary>
public sealed class FlagFamily
{
    /// <summary>Names the kind in messages, e.g. "a PROT_ name".</summary>
    public required string Family { get; init; }
    /// <summary>What an empty set prints as.</summary>
    public string Zero { get; init; } = "0";
    /// <summary>A field of the set that holds a value rather than bits (mmap's type field), with its values' names.</summary>
    public uint FieldMask { get; init; }
    public (string Name, uint Value)[] FieldValues { get; init; } = [];
    /// <summary>Single bits (a bit set) or whole values (a value kind), ascending.</summary>
    public required (string Name, ulong Value)[] Names { get; init; }
    public bool IsValue { get; init; }
    /// <summary>The width of the argument: a value kind may take a whole register (prctl's arg2).</summary>
    public int Bits { get; init; } = 32;
    /// <summary>The values the generator draws, a value repeated to draw it more often (advice: the values the model implements).</summary>
    public ulong[] Generated { get; init; } = [];

    public static readonly FlagFamily Prot = new()
    {
        Family = "PROT_", Zero = "PROT_NONE",
        Generated = [Abi.Prot.ReadWrite, Abi.Prot.Read, Abi.Prot.ReadWrite, Abi.Prot.None, Abi.Prot.Read | Abi.Prot.Exec, Abi.Prot.Write],
        Names = [("PROT_READ", Abi.Prot.Read), ("PROT_WRITE", Abi.Prot.Write), ("PROT_EXEC", Abi.Prot.Exec),
                 ("PROT_SEM", Abi.Prot.Sem), ("PROT_GROWSDOWN", Abi.Prot.GrowsDown), ("PROT_GROWSUP", Abi.Prot.GrowsUp)],
    };

    public static readonly FlagFamily MapFlags = new()
    {
        Family = "MAP_",
        FieldMask = Map.TypeMask,
        FieldValues = [("MAP_SHARED", Map.Shared), ("MAP_PRIVATE", Map.Private), ("MAP_SHARED_VALIDATE", Map.SharedValidate), ("MAP_DROPPABLE", Map.Droppable)],
        Names = [("MAP_FIXED", Map.Fixed), ("MAP_ANONYMOUS", Map.Anonymous), ("MAP_GROWSDOWN", Map.GrowsDown), ("MAP_DENYWRITE", Map.DenyWrite),
                 ("MAP_EXECUTABLE", Map.Executable), ("MAP_LOCKED", Map.Locked), ("MAP_NORESERVE", Map.NoReserve), ("MAP_POPULATE", Map.Populate),
                 ("MAP_NONBLOCK", Map.NonBlock), ("MAP_STACK", Map.Stack), ("MAP_HUGETLB", Map.HugeTlb), ("MAP_SYNC", Map.Sync),
                 ("MAP_FIXED_NOREPLACE", Map.FixedNoReplace), ("MAP_REFPAGE", Map.RefPage)],
    };

    public static readonly FlagFamily Mlock2 = new() { Family = "MLOCK_", Names = [("MLOCK_ONFAULT", Mlock.OnFault)], Generated = [Mlock.OnFault] };

    public static readonly FlagFamily Mremap = new()
    {
        Family = "MREMAP_", Names = [("MREMAP_MAYMOVE", Remap.MayMove), ("MREMAP_FIXED", Remap.Fixed), ("MREMAP_DONTUNMAP", Remap.DontUnmap)],
    };

    public static readonly FlagFamily Mlockall = new()
    {
        Family = "MCL_", Names = [("MCL_CURRENT", Mlock.McCurrent), ("MCL_FUTURE", Mlock.McFuture), ("MCL_ONFAULT", Mlock.McOnFault)],
    };

    /// <summary>include/uapi/asm-generic/mman-common.h; the generator draws the advice it drew when seeds were fixed (so a seed's trace never changes).</summary>
    public static readonly FlagFamily Advice = new()
    {
        Family = "MADV_", IsValue = true,
        Names = [("MADV_NORMAL", Madv.Normal), ("MADV_RANDOM", Madv.Random), ("MADV_SEQUENTIAL", Madv.Sequential), ("MADV_WILLNEED", Madv.WillNeed),
                 ("MADV_DONTNEED", Madv.DontNeed), ("MADV_FREE", Madv.Free), ("MADV_REMOVE", Madv.Remove), ("MADV_DONTFORK", Madv.DontFork),
                 ("MADV_DOFORK", Madv.DoFork), ("MADV_MERGEABLE", Madv.Mergeable), ("MADV_UNMERGEABLE", Madv.Unmergeable),
                 ("MADV_HUGEPAGE", Madv.HugePage), ("MADV_NOHUGEPAGE", Madv.NoHugePage), ("MADV_DONTDUMP", Madv.DontDump),
                 ("MADV_DODUMP", Madv.DoDump), ("MADV_WIPEONFORK", Madv.WipeOnFork), ("MADV_KEEPONFORK", Madv.KeepOnFork),
                 ("MADV_COLD", Madv.Cold), ("MADV_PAGEOUT", Madv.PageOut), ("MADV_POPULATE_READ", Madv.PopulateRead),
                 ("MADV_POPULATE_WRITE", Madv.PopulateWrite), ("MADV_DONTNEED_LOCKED", Madv.DontNeedLocked), ("MADV_COLLAPSE", Madv.Collapse),
                 ("MADV_HWPOISON", Madv.HwPoison), ("MADV_SOFT_OFFLINE", Madv.SoftOffline), ("MADV_GUARD_INSTALL", Madv.GuardInstall),
                 ("MADV_GUARD_REMOVE", Madv.GuardRemove)],
        Generated = [Madv.DontFork, Madv.DoFork, Madv.WipeOnFork, Madv.KeepOnFork, Madv.DontDump, Madv.DoDump, Madv.DontNeed],
    };

    /// <summary>prctl(PR_SET_VMA)'s second argument: the one option it has, or any number.</summary>
    public static readonly FlagFamily PrctlOption = new()
    {
        Family = "PR_SET_VMA_", IsValue = true, Bits = 64, Names = [("PR_SET_VMA_ANON_NAME", Prctl.SetVmaAnonName)],
    };

    /// <summary>The trace syntax: names joined by '|', e.g. MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED.</summary>
    public string Print(ulong value) => Spell(value, "|");

    /// <summary>The C spelling in reproducers: the same names joined by " | ".</summary>
    public string PrintC(ulong value) => Spell(value, " | ");

    string Spell(ulong v, string separator)
    {
        if (IsValue)
            return Names.FirstOrDefault(n => n.Value == v).Name ?? (v <= int.MaxValue ? v.ToString() : $"0x{v:x}");
        var parts = new List<string>();
        ulong rest = v;
        if (FieldMask != 0 && FieldValues.FirstOrDefault(f => f.Value == (v & FieldMask)).Name is { } field)
        {
            parts.Add(field);
            rest &= ~(ulong)FieldMask;
        }
        foreach (var (name, bit) in Names)
            if ((rest & bit) != 0) { parts.Add(name); rest &= ~bit; }
        if (rest != 0) parts.Add($"0x{rest:x}");
        return parts.Count == 0 ? Zero : string.Join(separator, parts);
    }

    /// <summary>The value of a name of this kind, or null.</summary>
    public ulong? Lookup(string name) =>
        name == Zero ? 0 : Definitions.Where(d => d.Name == name).Select(d => (ulong?)d.Value).FirstOrDefault();

    /// <summary>Every name with its value (but the empty set's), for lookups and the executor's header.</summary>
    public IEnumerable<(string Name, ulong Value)> Definitions =>
        FieldValues.Select(f => (f.Name, (ulong)f.Value)).Concat(Names).Where(n => n.Item1 != Zero);
}
