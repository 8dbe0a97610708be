namespace AnonVma.Model.State;

/// <summary>A physical page; mapcount and dirtiness drive Pss and the Shared/Private split in smaps.</summary>
public sealed class Folio
{
    /// <summary>The shared zero page: mapped on read faults, never counted in Rss.</summary>
    public static readonly Folio Zero = new() { IsZero = true };

    public bool IsZero { get; private init; }
    /// <summary>folio_test_anon: counts as Anonymous.</summary>
    public bool Anon { get; init; }
    /// <summary>
    /// folio_test_swapbacked: anonymous and shmem folios; every file here is shmem (memfds, /dev/zero, tmpfs files).
    /// MADV_FREE's lazyfree batch clears it on an anonymous folio, which smaps then counts as LazyFree while clean.
    /// </summary>
    public bool SwapBacked { get; set; } = true;
    /// <summary>Number of page-table entries mapping it, across processes.</summary>
    public int MapCount;
    /// <summary>folio_test_dirty: shmem pages written through any mapping.</summary>
    public bool Dirty;
    /// <summary>PG_referenced: set by folio_mark_accessed (GUP with FOLL_TOUCH, i.e. population); smaps counts it as Referenced even when the PTE is old.</summary>
    public bool Referenced;
    /// <summary>PageAnonExclusive: a new anonymous page is; fork clears it, a write fault that reuses the page sets it again. GUP may write only through an exclusive page without faulting.</summary>
    public bool Exclusive = true;

    // LRU state (mm/swap.c, mm/mlock.c). It decides whether folio_mark_accessed clears PG_referenced and whether a
    // write fault may reuse a page that is no longer shared (wp_can_reuse_anon_folio counts references, and the
    // per-CPU batches hold references of their own).

    /// <summary>PG_lru: on an LRU list; clear while the folio waits in the lru_add or mlock batch as a new folio.</summary>
    public bool Lru;
    /// <summary>PG_active.</summary>
    public bool Active;
    /// <summary>PG_unevictable: on the unevictable list (mlocked).</summary>
    public bool Unevictable;
    /// <summary>PG_mlocked.</summary>
    public bool Mlocked;
    /// <summary>folio->mlock_count, kept while the folio is on the unevictable list.</summary>
    public int MlockCount;
    /// <summary>References held by entries of the per-CPU batches.</summary>
    public int BatchRefs;
    /// <summary>The page cache holds a reference (shmem and file folios).</summary>
    public bool InPageCache;

    /// <summary>The page's bytes, null while all zero: what a user-pointer name shows (a copy-on-write copies them).</summary>
    public PageBytes? Data;

    /// <summary>A new anonymous page holding a copy of <paramref name="from"/>'s bytes (wp_page_copy, do_cow_fault).</summary>
    public static PageBytes? CopyData(Folio from) => from.Data?.Clone();

    /// <summary>mm_counter_file: a swap-backed folio counts as MM_SHMEMPAGES, any other file folio as MM_FILEPAGES.</summary>
    public RssCounter CounterFile => SwapBacked ? RssCounter.ShmemPages : RssCounter.FilePages;

    /// <summary>mm_counter: an anonymous folio counts as MM_ANONPAGES, any other as <see cref="CounterFile"/> says.</summary>
    public RssCounter Counter => Anon ? RssCounter.AnonPages : CounterFile;

    /// <summary>folio_ref_count: one per mapping PTE, one per batch entry, one for the page cache.</summary>
    public int RefCount => MapCount + BatchRefs + (InPageCache ? 1 : 0);
}

/// <summary>One page-table entry.</summary>
public struct Pte
{
    public Folio Folio;
    public bool Dirty;
    public bool Young;
}
