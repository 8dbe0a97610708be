using AnonVma.Model.Abi;

namespace AnonVma.Model.State;

/// <summary>One vm_area_struct with every field that decides merging, naming and rendering, hidden ones included.</summary>
public sealed class Vma
{
    ulong start, end, pgOff;
    VmFlags flags;
    MappedFile? file;
    long anonId;
    bool anonSingular;
    AnonName? name;
    ulong refPage;
    Folio? refFolio;

    /// <summary>
    /// Set by fork when parent and child hold this same object (their copies would be identical), so fork allocates
    /// nothing per VMA. A shared VMA is frozen: a process that changes it first takes a private copy with
    /// <see cref="VmaList.Own"/>, and every setter enforces that.
    /// </summary>
    public bool Shared { get; internal set; }

    void Guard()
    {
        if (Shared) ChangedWhileShared();
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    void ChangedWhileShared() =>
        throw new InvalidOperationException($"VMA {this} is shared by fork and was changed in place; take VmaList.Own(v) first");

    public ulong Start { get => start; set { Guard(); start = value; } }
    public ulong End { get => end; set { Guard(); end = value; } }
    public VmFlags Flags { get => flags; set { Guard(); flags = value; } }
    /// <summary>vm_pgoff: addr &gt;&gt; 12 for private anon, the file page index otherwise; linear across splits.</summary>
    public ulong PgOff { get => pgOff; set { Guard(); pgOff = value; } }
    /// <summary>vm_file: null for private anonymous memory.</summary>
    public MappedFile? File { get => file; set { Guard(); file = value; } }
    /// <summary>anon_vma identity; 0 when none is attached.</summary>
    public long AnonId { get => anonId; set { Guard(); anonId = value; } }
    /// <summary>list_is_singular(anon_vma_chain): false for an anon_vma inherited through fork.</summary>
    public bool AnonSingular { get => anonSingular; set { Guard(); anonSingular = value; } }
    /// <summary>The refcounted name object, shared by splits and fork.</summary>
    public AnonName? Name { get => name; set { Guard(); name = value; } }

    /// <summary>MAP_REFPAGE's vm_private_data: the reference page's address (its vm_ops make the VMA not anonymous); 0 for none.</summary>
    public ulong RefPage { get => refPage; set { Guard(); refPage = value; } }

    /// <summary>The page a pinned MAP_REFPAGE mapping took at mmap time and holds a reference to (RefPageRules.Pinned); null otherwise.</summary>
    public Folio? RefFolio { get => refFolio; set { Guard(); refFolio = value; } }

    public ulong Pages => (End - Start) >> Mem.PageShift;
    public bool Contains(ulong addr) => Start <= addr && addr < End;
    /// <summary>vma_is_anonymous: no vm_ops, i.e. private anonymous (a MAP_REFPAGE mapping has vm_ops).</summary>
    public bool IsAnonymous => File is null && RefPage == 0;
    /// <summary>vma_is_anon_shmem: shared anonymous memory or an unlinked shmem file (memfd).</summary>
    public bool IsAnonShmem => File is { IsAnonShmem: true };
    public bool HasAnonVma => AnonId != 0;

    /// <summary>vm_area_dup without the name reference (the caller takes it).</summary>
    public Vma CloneShallow() => new()
    {
        start = start, end = end, flags = flags, pgOff = pgOff, file = file, anonId = anonId, anonSingular = anonSingular, name = name, refPage = refPage, refFolio = refFolio,
    };

    public override string ToString() =>
        $"{Start:x}-{End:x} {VmFlagLetters.Render(Flags).TrimEnd()} pgoff={PgOff:x} anon={(AnonId == 0 ? "-" : AnonId + (AnonSingular ? "" : "*"))}" +
        (Name is null ? "" : $" name=\"{Name.Value}\"#{Name.Id}") + (File is null ? "" : $" file#{File.Id}") + (RefPage == 0 ? "" : $" refpage={RefPage:x}");
}
