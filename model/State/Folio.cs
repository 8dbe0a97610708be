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
    /// <summary>PageAnonExclusive: a new anonymous page is; fork clears it, a write fault that reuses the page sets it again. GUP may write only through an exclusive page without faulting.</summary>
    public bool Exclusive = true;
}

/// <summary>One page-table entry.</summary>
public struct Pte
{
    public Folio Folio;
    public bool Dirty;
    public bool Young;
}
