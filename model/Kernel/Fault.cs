using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// Page faults and population: arch/x86/mm/fault.c:access_error, mm/memory.c:do_anonymous_page, do_wp_page,
// do_shared_fault; mm/rmap.c:__anon_vma_prepare; mm/vma.c:find_mergeable_anon_vma; mm/gup.c:__mm_populate,
// populate_vma_page_range.
public sealed partial class LinuxModel
{
    Outcome Touch(Process p, ulong addr, bool write)
    {
        var v = p.Vmas.Containing(addr);
        if (v is null) return Outcome.Segv;
        // access_error: a write needs VM_WRITE; a read needs any of R/W/X (x86 has no write-only or exec-only pages).
        if (write ? (v.Flags & VmFlags.Write) == 0 : (v.Flags & VmFlags.AccessMask) == 0) return Outcome.Segv;
        return Fault(p, v, addr & ~(Mem.PageSize - 1), write) switch
        {
            FaultResult.Ok => Outcome.Ok,
            FaultResult.SigBus => Outcome.Bus,
            _ => Outcome.Segv,
        };
    }

    /// <summary>How a fault ended: mapped, VM_FAULT_SIGBUS (past the end of a file), or VM_FAULT_SIGSEGV (refpage_fault's failed lookup).</summary>
    enum FaultResult { Ok, SigBus, SigSegv }

    /// <summary>
    /// One access at a page address; false means SIGBUS (beyond the end of the file). An access the present PTE allows
    /// does not fault: the CPU only sets the accessed bit (and the dirty bit for a write), so nothing is faulted around.
    /// </summary>
    FaultResult Fault(Process p, Vma v, ulong addr, bool write)
    {
        ulong vpn = addr >> Mem.PageShift;
        bool had = p.Ptes.TryGetValue(vpn, out var pte);
        // __handle_mm_fault tries a huge PMD first where thp_vma_allowable_order allows it: VM_HUGEPAGE (MADV_HUGEPAGE)
        // and the aligned huge page around the address inside the VMA. The model has no huge pages: such a trace is refused.
        ulong huge = addr & ~(Mem.HugePageSize - 1);
        if ((v.Flags & VmFlags.HugePage) != 0 && Profile.ThpBuiltIn && huge >= v.Start && v.End - huge >= Mem.HugePageSize)
            throw new TraceException($"a fault at {addr:x} in a MADV_HUGEPAGE mapping {v.Start:x}-{v.End:x} could map a transparent huge page, which is not modelled");
        if (v.RefPage != 0) return RefPageFault(p, v, addr, write, had, pte);
        // Private anonymous memory, or a private file page that was already copied into an anonymous page.
        if (v.File is null || ((v.Flags & VmFlags.Shared) == 0 && had && pte.Folio.Anon))
        {
            PrivateAnonFault(p, v, vpn, write, had, pte);
            return FaultResult.Ok;
        }
        if (had && !write && !Mutated(Mutation.FaultAroundPresentPage))
        {
            pte.Young = true;
            p.Ptes[vpn] = pte;
            return FaultResult.Ok;
        }
        ulong index = v.PgOff + ((addr - v.Start) >> Mem.PageShift);
        if (!write)
        {
            // do_read_fault maps the window around first, and only then finds the page itself past i_size (SIGBUS).
            FaultAround(p, v, addr);
            had = p.Ptes.TryGetValue(vpn, out pte); // the fault page itself may have been mapped just now
            if (had && !Mutated(Mutation.FaultAroundPresentPage)) return FaultResult.Ok;
        }
        bool shared = (v.Flags & VmFlags.Shared) != 0;
        // do_cow_fault prepares the anon_vma before it asks the file for the page, so a private write past i_size
        // raises SIGBUS with the anon_vma already attached (vmf_anon_prepare, then __do_fault).
        if (write && !shared && !had && !Mutated(Mutation.CowFaultChecksSizeFirst)) v = AnonPrepare(p, v);
        if (index * Mem.PageSize >= v.File!.Size) return FaultResult.SigBus;
        if (shared)
        {
            // A write fault dirties the folio (do_shared_fault / wp_page_shared -> fault_dirty_shared_page). A shmem
            // mapping does not want write notification (vma_wants_writenotify: no page_mkwrite, no writeback), so its
            // PTEs carry vm_page_prot's write bit as soon as they are present (and mprotect's pte_modify keeps them in
            // step with the VMA): a write to a present page faults no more, only the PTE becomes dirty. Every file
            // here is shmem: memfds, /dev/zero, and the executor's regular files, which it makes on tmpfs.
            bool faults = !had || Mutated(Mutation.WriteDirtiesEveryMapping);
            if (!had)
            {
                var folio = PageCacheFolio(v.File, index);
                MapFilePte(p, v, vpn, folio);
                pte = p.Ptes[vpn];
            }
            pte.Young = true;
            if (write) { pte.Dirty = true; if (faults) pte.Folio.Dirty = true; }
            p.Ptes[vpn] = pte;
            return FaultResult.Ok;
        }
        // Private file mapping: reads map the page cache, writes copy into an anonymous page.
        if (!write)
        {
            MapFilePte(p, v, vpn, PageCacheFolio(v.File, index));
            return FaultResult.Ok;
        }
        // do_cow_fault (no PTE: the page cache folio is looked up, or created, and copied) or do_wp_page on the
        // page cache PTE (wp_page_copy, which removes the old mapping).
        if (had || Mutated(Mutation.CowFaultChecksSizeFirst)) v = AnonPrepare(p, v);
        MapAnonCopy(p, v, vpn, had ? pte.Folio : PageCacheFolio(v.File!, index), replaces: had);
        return FaultResult.Ok;
    }

    /// <summary>
    /// A new anonymous folio mapped once in <paramref name="v"/> (folio_add_new_anon_rmap): swap-backed, except in a
    /// VM_DROPPABLE VMA, whose folios are dropped instead of swapped and so count as LazyFree while clean.
    /// </summary>
    static Folio NewAnonFolio(Vma v, PageBytes? data) =>
        new() { Anon = true, MapCount = 1, Data = data, SwapBacked = (v.Flags & VmFlags.Droppable) == 0 };

    /// <summary>
    /// The PTE at vpn becomes a new anonymous page holding a copy of <paramref name="source"/>, dirty and young, counted
    /// as MM_ANONPAGES (set_pte_range for do_cow_fault's page, or wp_page_copy). When it <paramref name="replaces"/> a
    /// mapping of a page cache page, wp_page_copy first takes that page's rmap and its mm_counter_file count away.
    /// </summary>
    void MapAnonCopy(Process p, Vma v, ulong vpn, Folio source, bool replaces)
    {
        if (replaces)
        {
            RemoveRmap(source, v);
            AddRss(p, source.CounterFile, -1);
        }
        AddRss(p, RssCounter.AnonPages, 1);
        var copy = NewAnonFolio(v, Folio.CopyData(source));
        AddLruVma(copy, v);
        p.Ptes[vpn] = new Pte { Folio = copy, Dirty = true, Young = true };
    }

    /// <summary>shmem_get_folio / filemap_fault: the page cache folio at index, allocated (and queued for the LRU) if absent.</summary>
    Folio PageCacheFolio(MappedFile file, ulong index)
    {
        if (file.Pages.TryGetValue(index, out var folio)) return folio;
        folio = new Folio { Anon = false, InPageCache = true };
        file.Pages[index] = folio;
        AddLru(folio);
        return folio;
    }

    /// <summary>set_pte_range for a file folio: a young, clean PTE; folio_add_file_rmap_ptes mlocks it in a locked VMA.</summary>
    void MapFilePte(Process p, Vma v, ulong vpn, Folio folio)
    {
        folio.MapCount++;
        AddRss(p, folio.CounterFile, 1); // set_pte_range, filemap_map_pages: add_mm_counter(mm_counter_file(folio))
        p.Ptes[vpn] = new Pte { Folio = folio, Young = true };
        MlockVma(folio, v);
    }

    /// <summary>folio_remove_rmap_pte: one mapping fewer; munlock_vma_folio if the VMA was locked.</summary>
    void RemoveRmap(Folio folio, Vma v)
    {
        if (folio.IsZero) return;
        folio.MapCount--;
        MunlockVma(folio, v);
    }

    /// <summary>fault_around_bytes (64 KiB): how many pages a read fault on a file page may map from the page cache.</summary>
    const ulong FaultAroundPages = 16;

    /// <summary>
    /// do_read_fault -> do_fault_around -> filemap_map_pages: before a read fault on a file-backed VMA is handled, the
    /// pages of its 16-page-aligned window (clamped to the VMA, the page table and i_size) that are already in the page
    /// cache and not yet mapped here are mapped, young and clean.
    /// </summary>
    void FaultAround(Process p, Vma v, ulong addr)
    {
        var file = v.File!;
        ulong ptePerTable = 512, pteOff = (addr >> Mem.PageShift) % ptePerTable;
        ulong vmaOff = (addr - v.Start) >> Mem.PageShift;
        ulong fromPte = Math.Max(pteOff / FaultAroundPages * FaultAroundPages, pteOff - Math.Min(pteOff, vmaOff));
        ulong toPte = Math.Min(Math.Min(fromPte + FaultAroundPages, ptePerTable), pteOff + v.Pages - vmaOff) - 1;
        ulong fileEnd = (file.Size + Mem.PageSize - 1) / Mem.PageSize;
        ulong baseVpn = (addr >> Mem.PageShift) - pteOff;
        for (ulong i = fromPte; i <= toPte; i++)
        {
            ulong vpn = baseVpn + i;
            ulong index = v.PgOff + (vpn - (v.Start >> Mem.PageShift));
            if (index >= fileEnd || p.Ptes.ContainsKey(vpn) || !file.Pages.TryGetValue(index, out var folio)) continue;
            MapFilePte(p, v, vpn, folio);
        }
    }

    void PrivateAnonFault(Process p, Vma v, ulong vpn, bool write, bool had, Pte pte)
    {
        if (had && !pte.Folio.IsZero)
        {
            pte.Young = true;
            if (write)
            {
                var folio = pte.Folio;
                // do_wp_page: an exclusive page (or a writable PTE, which only an exclusive page has) is reused;
                // another is reused only if wp_can_reuse_anon_folio finds no other reference to it.
                if (!folio.Exclusive && !(folio.Anon && CanReuseAnon(folio)))
                {
                    // wp_page_copy: the writer gets its own page.
                    RemoveRmap(folio, v);
                    folio = NewAnonFolio(v, Folio.CopyData(folio));
                    AddLruVma(folio, v);
                    pte.Folio = folio;
                }
                folio.Exclusive = true; // wp_page_reuse, or the fresh copy
                pte.Dirty = true;
            }
            p.Ptes[vpn] = pte;
            return;
        }
        if (!write && Profile.ZeroPageOnRead)
        {
            p.Ptes[vpn] = new Pte { Folio = Folio.Zero, Young = true };
            return;
        }
        // do_anonymous_page (or wp_page_copy from the zero page): a new page, and an anon_vma.
        v = AnonPrepare(p, v);
        AddRss(p, RssCounter.AnonPages, 1); // do_anonymous_page, or wp_page_copy from the zero page
        var fresh = NewAnonFolio(v, null);
        AddLruVma(fresh, v);
        p.Ptes[vpn] = new Pte
        {
            Folio = fresh,
            Dirty = write || (v.Flags & VmFlags.Write) != 0,
            Young = true,
        };
    }

    /// <summary>
    /// wp_can_reuse_anon_folio for a small folio: more than three references is hopeless; a folio off the LRU may be
    /// referenced from a local batch, so lru_add_drain is tried first; then only the faulting mapping's own reference
    /// may remain. A folio queued for munlock or activation stays on the LRU while its batch holds a reference, so it
    /// is copied.
    /// </summary>
    bool CanReuseAnon(Folio folio)
    {
        int held = HeldByRefPages(folio);
        if (folio.RefCount + held > 3) return false;
        if (!folio.Lru) DrainLocal();
        return folio.RefCount + held == 1;
    }

    /// <summary>__anon_vma_prepare: reuse the next, then the previous neighbour's anon_vma, or allocate one.</summary>
    Vma AnonPrepare(Process p, Vma v)
    {
        if (v.AnonId != 0) return v;
        v = p.Vmas.Own(v);
        var next = p.Vmas.Next(v);
        if (next is not null && AnonVmaCompatible(v, next) && next.AnonId != 0 && next.AnonSingular)
        {
            v.AnonId = next.AnonId; v.AnonSingular = true; return v;
        }
        var prev = p.Vmas.Prev(v);
        if (prev is not null && AnonVmaCompatible(prev, v) && prev.AnonId != 0 && prev.AnonSingular)
        {
            v.AnonId = prev.AnonId; v.AnonSingular = true; return v;
        }
        v.AnonId = NewAnonId();
        v.AnonSingular = true;
        return v;
    }

    /// <summary>anon_vma_compatible(a, b): adjacent, same file, flags equal but for R/W/X and soft-dirty, linear pgoff.</summary>
    static bool AnonVmaCompatible(Vma a, Vma b) =>
        a.End == b.Start && a.File == b.File &&
        ((a.Flags ^ b.Flags) & ~(VmFlags.AccessMask | VmFlags.SoftDirty)) == 0 &&
        b.PgOff == a.PgOff + ((b.Start - a.Start) >> Mem.PageShift);

    /// <summary>__mm_populate over [start,end): returns the first error (EFAULT for PROT_NONE) unless ignoring errors.</summary>
    Errno Populate(Process p, ulong start, ulong end, bool ignoreErrors)
    {
        ulong at = start;
        while (at < end)
        {
            var v = p.Vmas.FirstEndingAfter(at);
            if (v is null || v.Start >= end) break;
            ulong s = Math.Max(at, v.Start), e = Math.Min(end, v.End);
            var err = PopulateVma(p, v, s, e);
            if (err != 0 && !ignoreErrors) return err;
            at = e;
        }
        return 0;
    }

    /// <summary>
    /// populate_vma_page_range: write faults for private writable VMAs, read faults otherwise; nothing for lock-on-fault.
    /// Each page is followed with FOLL_TOUCH, and the local batches are drained at the end.
    /// </summary>
    Errno PopulateVma(Process p, Vma v, ulong s, ulong e)
    {
        if ((v.Flags & VmFlags.LockOnFault) != 0) return 0;
        if ((v.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0) return 0;
        if ((v.Flags & VmFlags.AccessMask) == 0) return Errno.EFAULT;
        bool write = (v.Flags & (VmFlags.Write | VmFlags.Shared)) == VmFlags.Write;
        CheckPresentBound(p, s, e);
        v = p.Vmas.Own(v); // the first fault may attach an anon_vma; later ones must see it on the same object
        Errno err = 0;
        for (ulong a = s; a < e; a += Mem.PageSize)
        {
            ulong vpn = a >> Mem.PageShift;
            // follow_page_pte finds a present page it may use as is: no fault, so the PTE's young bit is left alone.
            // A write needs a writable PTE, which only an exclusive anonymous page has; anything else (zero page,
            // page cache, COW-shared) faults.
            bool usable = p.Ptes.TryGetValue(vpn, out var pte) && !pte.Folio.IsZero &&
                          (!write || (pte.Folio.Anon && pte.Folio.Exclusive && pte.Folio.MapCount == 1));
            if (!usable && Fault(p, v, a, write) != FaultResult.Ok) { err = Errno.EFAULT; break; }
            // FOLL_TOUCH|FOLL_WRITE on a present page whose PTE and folio are both clean: folio_mark_dirty.
            if (usable && write && !pte.Dirty) pte.Folio.Dirty = true;
            MarkAccessed(p.Ptes[vpn].Folio);
        }
        DrainLocal();
        return err;
    }

    /// <summary>
    /// zap_pte_range over one VMA's pages (the caller drained the local batches first). A file folio takes over its
    /// PTE's dirty bit (folio_mark_dirty) and, if the PTE was young, an access (folio_mark_accessed); an anonymous one
    /// loses them. folio_remove_rmap_pte then munlocks the folio if the VMA was locked.
    /// </summary>
    void ZapVma(Process p, Vma v) => ZapRange(p, v, v.Start, v.End);

    void ZapRange(Process p, Vma v, ulong start, ulong end) => TakePtes(p, start, end, (_, pte) => ZapPte(p, pte, v));

    /// <summary>
    /// Takes every present PTE of [start,end) out of the page table, in address order as the kernel walks it, and hands
    /// it on with its page number (a zap, a move). A huge range with few PTEs visits the PTEs instead of the range.
    /// </summary>
    static void TakePtes(Process p, ulong start, ulong end, Action<ulong, Pte> take)
    {
        if (p.Ptes.Count == 0) return;
        ulong first = start >> Mem.PageShift, last = end >> Mem.PageShift;
        if (last - first <= (ulong)p.Ptes.Count)
        {
            for (ulong vpn = first; vpn < last; vpn++)
                if (p.Ptes.Remove(vpn, out var pte)) take(vpn, pte);
            return;
        }
        List<ulong>? gone = null;
        foreach (var vpn in p.Ptes.Keys)
            if (vpn >= first && vpn < last) (gone ??= new()).Add(vpn);
        if (gone is null) return;
        gone.Sort();
        foreach (var vpn in gone)
        {
            p.Ptes.Remove(vpn, out var pte);
            take(vpn, pte);
        }
    }

    void ZapPte(Process p, Pte pte, Vma v)
    {
        if (pte.Folio.IsZero) return;
        var folio = pte.Folio;
        AddRss(p, folio.Counter, -1); // zap_present_folio_ptes: rss[mm_counter(folio)] -= nr
        if (!folio.Anon)
        {
            if (pte.Dirty && !Mutated(Mutation.ZapDropsDirtyBit)) folio.Dirty = true;
            // ... and a young one folio_mark_accessed, unless the VMA's references do not count (vma_has_recency:
            // MADV_SEQUENTIAL and MADV_RANDOM; FMODE_NOREUSE, which no call here sets).
            if (pte.Young && (v.Flags & (VmFlags.SeqRead | VmFlags.RandRead)) == 0) MarkAccessed(folio);
        }
        RemoveRmap(folio, v);
    }
}
