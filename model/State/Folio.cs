namespace AnonVma.Model.State;

/// <summary>A physical page; mapcount and dirtiness drive Pss and the Shared/Private split in smaps.</summary>
public sealed class Folio
{
    /// <summary>The shared zero page: mapped on read faults, never counted in Rss.</summary>
    public static readonly Folio Zero = new() { IsZero = true };

    public bool IsZero { get; private init; }
    /// <summary>folio_test_anon: counts as Anonymous.</summary>
    public bool Anon { get; init; }
    /// <summary>Number of page-table entries mapping it, across processes.</summary>
    public int MapCount;
    /// <summary>folio_test_dirty: shmem pages written through any mapping.</summary>
    public bool Dirty;
    /// <summary>PG_referenced: set by folio_mark_accessed (GUP with FOLL_TOUCH, i.e. population); smaps counts it as Referenced even when the PTE is old.</summary>
    public bool Referenced;
    /// <summary>PG_active: the second folio_mark_accessed on an evictable folio activates it and clears PG_referenced.</summary>
    public bool Active;
    /// <summary>PG_mlocked: mapped by a VM_LOCKED VMA, so unevictable and folio_mark_accessed leaves it alone.</summary>
    public bool Mlocked;
}

/// <summary>One page-table entry.</summary>
public struct Pte
{
    public Folio Folio;
    public bool Dirty;
    public bool Young;
}
