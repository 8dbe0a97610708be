using AnonVma.Model.Abi;

namespace AnonVma.Model.State;

/// <summary>A VMA's fields at one moment, kept without an allocation: what a merge decision saw.</summary>
public readonly record struct VmaShot(ulong Start, ulong End, VmFlags Flags, ulong PgOff, MappedFile? File, long AnonId, bool AnonSingular, AnonName? Name, ulong RefPage = 0)
{
    public static VmaShot Of(Vma v) => new(v.Start, v.End, v.Flags, v.PgOff, v.File, v.AnonId, v.AnonSingular, v.Name, v.RefPage);

    public ulong Pages => (End - Start) >> Mem.PageShift;

    /// <summary>A detached VMA with these fields, for reports.</summary>
    public Vma ToVma() => new() { Start = Start, End = End, Flags = Flags, PgOff = PgOff, File = File, AnonId = AnonId, AnonSingular = AnonSingular, Name = Name, RefPage = RefPage };
}
