using AnonVma.Model.Abi;

namespace AnonVma.Model.State;

/// <summary>One vm_area_struct with every field that decides merging, naming and rendering, hidden ones included.</summary>
public sealed class Vma
{
    public ulong Start;
    public ulong End;
    public VmFlags Flags;
    /// <summary>vm_pgoff: addr &gt;&gt; 12 for private anon, the file page index otherwise; linear across splits.</summary>
    public ulong PgOff;
    /// <summary>vm_file: null for private anonymous memory.</summary>
    public MappedFile? File;
    /// <summary>anon_vma identity; 0 when none is attached.</summary>
    public long AnonId;
    /// <summary>list_is_singular(anon_vma_chain): false for an anon_vma inherited through fork.</summary>
    public bool AnonSingular;
    /// <summary>The refcounted name object, shared by splits and fork.</summary>
    public AnonName? Name;

    public ulong Pages => (End - Start) >> Mem.PageShift;
    public bool Contains(ulong addr) => Start <= addr && addr < End;
    /// <summary>vma_is_anonymous: no vm_ops, i.e. private anonymous.</summary>
    public bool IsAnonymous => File is null;
    /// <summary>vma_is_anon_shmem: shared anonymous memory or an unlinked shmem file (memfd).</summary>
    public bool IsAnonShmem => File is { IsAnonShmem: true };
    public bool HasAnonVma => AnonId != 0;

    /// <summary>vm_area_dup without the name reference (the caller takes it).</summary>
    public Vma CloneShallow() => new()
    {
        Start = Start, End = End, Flags = Flags, PgOff = PgOff, File = File, AnonId = AnonId, AnonSingular = AnonSingular, Name = Name,
    };

    public override string ToString() =>
        $"{Start:x}-{End:x} {VmFlagLetters.Render(Flags).TrimEnd()} pgoff={PgOff:x} anon={(AnonId == 0 ? "-" : AnonId + (AnonSingular ? "" : "*"))}" +
        (Name is null ? "" : $" name=\"{Name.Value}\"#{Name.Id}") + (File is null ? "" : $" file#{File.Id}");
}
