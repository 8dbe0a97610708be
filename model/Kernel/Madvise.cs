using AnonVma.Model.Abi;
using AnonVma.Model.Calls;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// madvise (the access pattern, fork, dump, huge page and KSM flags, DONTNEED(_LOCKED), FREE, REMOVE, COLD, PAGEOUT,
// WILLNEED, POPULATE_*, COLLAPSE's refusals) and anonymous naming: mm/madvise.c:do_madvise, madvise_behavior_valid, madvise_walk_vmas, madvise_vma_behavior,
// madvise_dontneed_free, madvise_cold_or_pageout_pte_range, madvise_populate,
// madvise_update_vma, madvise_set_anon_name, madvise_vma_anon_name; kernel/sys.c:prctl_set_vma, is_valid_name_char;
// mm/util.c:strndup_user; mm/madvise.c:replace_anon_vma_name.
public sealed partial class LinuxModel
{
    delegate Errno Visit(Process p, Vma v, ulong s, ulong e, out Vma result);

    Outcome Madvise(Process p, ulong start, ulong lenIn, int advice)
    {
        if (!AdviceValid(advice)) return Outcome.Err(Errno.EINVAL);
        if (!Mem.Aligned(start)) return Outcome.Err(Errno.EINVAL);
        ulong len = Mem.PageAlign(lenIn);
        if (lenIn != 0 && len == 0) return Outcome.Err(Errno.EINVAL);
        ulong end = start + len;
        if (end < start) return Outcome.Err(Errno.EINVAL);
        if (end == start) return Outcome.Ok;
        var err = advice is Madv.PopulateRead or Madv.PopulateWrite
            ? MadvisePopulate(p, start, end, advice == Madv.PopulateWrite)
            : WalkVmas(p, start, end, VisitFor(advice));
        return err == 0 ? Outcome.Ok : Outcome.Err(err);
    }

    /// <summary>madvise_vma_behavior's dispatch: what madvise_walk_vmas does to each VMA for this advice.</summary>
    Visit VisitFor(int advice) => advice switch
    {
        Madv.DontNeed or Madv.DontNeedLocked or Madv.Free =>
            (Process q, Vma v, ulong s, ulong e, out Vma r) => MadviseDontNeedFree(q, v, s, e, advice, out r),
        Madv.WillNeed => MadviseWillNeed,
        Madv.Cold or Madv.PageOut => (Process q, Vma v, ulong s, ulong e, out Vma r) => MadviseColdOrPageOut(q, v, s, e, advice == Madv.PageOut, out r),
        Madv.Remove => MadviseRemove,
        Madv.Collapse => MadviseCollapse,
        Madv.Normal or Madv.Random or Madv.Sequential or Madv.DontFork or Madv.DoFork or Madv.WipeOnFork or Madv.KeepOnFork
            or Madv.DontDump or Madv.DoDump or Madv.HugePage or Madv.NoHugePage or Madv.Mergeable or Madv.Unmergeable =>
            (Process q, Vma v, ulong s, ulong e, out Vma r) => MadviseBehavior(q, v, s, e, advice, out r),
        _ => throw new TraceException($"madvise advice {FlagFamily.Advice.Print((ulong)advice)} is valid on {Profile.Name} but not modelled " +
                                      "(LinuxModel.VisitFor in model/Kernel/Madvise.cs lists the advice the model follows)"),
    };

    /// <summary>madvise_behavior_valid: the advice this kernel's build knows; any other value is EINVAL before anything else.</summary>
    bool AdviceValid(int advice) => advice switch
    {
        Madv.DoFork or Madv.DontFork or Madv.Normal or Madv.Sequential or Madv.Random or Madv.Remove or Madv.WillNeed or Madv.DontNeed
            or Madv.DontNeedLocked or Madv.Free or Madv.Cold or Madv.PageOut or Madv.PopulateRead or Madv.PopulateWrite
            or Madv.DontDump or Madv.DoDump or Madv.WipeOnFork or Madv.KeepOnFork => true,
        Madv.Mergeable or Madv.Unmergeable => Profile.Ksm,
        Madv.HugePage or Madv.NoHugePage or Madv.Collapse => Profile.ThpBuiltIn,
        Madv.GuardInstall or Madv.GuardRemove => Profile.GuardRegions,
        _ => false, // MADV_HWPOISON and MADV_SOFT_OFFLINE need CONFIG_MEMORY_FAILURE, which neither kernel here has
    };

    /// <summary>
    /// madvise_willneed. With CONFIG_SWAP, anonymous memory and shmem read their swapped-out pages back in (none here:
    /// no kernel judged has swap space) and drain the local batches (lru_add_drain). Without it, anonymous memory is
    /// EBADF, and a file goes to vfs_fadvise: every file here is on tmpfs, whose superblock has noop_backing_dev_info,
    /// so generic_fadvise ignores the advice.
    /// </summary>
    Errno MadviseWillNeed(Process p, Vma v, ulong s, ulong e, out Vma result)
    {
        result = v;
        if (Profile.Swap)
        {
            DrainLocal();
            return 0;
        }
        return v.File is null ? Errno.EBADF : 0;
    }

    /// <summary>
    /// madvise_free_single_vma: a VMA that is not anonymous (a file or shmem: vm_ops set) is EINVAL. The local batches
    /// are drained and madvise_free_pte_range visits the present PTEs: a folio with PG_dirty is skipped unless mapped
    /// only there, when the flag is cleared; the PTE is made clean and old, and the folio queued for lru_lazyfree
    /// (folio_mark_lazyfree), mapped elsewhere or not.
    /// </summary>
    Errno FreeRange(Process p, Vma v, ulong s, ulong e)
    {
        if (v.File is not null) return Errno.EINVAL; // vma_is_anonymous
        DrainLocal();
        foreach (var (vpn, pte) in p.PresentInOrder(s >> Mem.PageShift, e >> Mem.PageShift))
        {
            var folio = pte.Folio;
            if (folio.IsZero) continue;
            if (folio.Dirty)
            {
                if (folio.MapCount != 1) continue;
                folio.Dirty = false;
            }
            if (pte.Young || pte.Dirty) p.Ptes[vpn] = pte with { Young = false, Dirty = false };
            MarkLazyFree(folio);
        }
        return 0;
    }

    /// <summary>
    /// madvise_remove: VM_LOCKED or no file is EINVAL, a mapping that is not shared and may-write EACCES; otherwise
    /// vfs_fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) over the range's file pages, which every file here
    /// (shmem) does in shmem_fallocate: unmap_mapping_range with even_cows false takes the page cache PTEs of every
    /// mapping of the file over the hole, in every process (zap_page_range_single drains the local batches first; a
    /// private mapping keeps its anonymous copies), then shmem_truncate_range drops the pages from the page cache.
    /// </summary>
    Errno MadviseRemove(Process p, Vma v, ulong s, ulong e, out Vma result)
    {
        result = v;
        if ((v.Flags & VmFlags.Locked) != 0 || v.File is null) return Errno.EINVAL;
        if ((v.Flags & (VmFlags.Shared | VmFlags.MayWrite)) != (VmFlags.Shared | VmFlags.MayWrite)) return Errno.EACCES; // vma_is_shared_maywrite
        ulong first = v.PgOff + ((s - v.Start) >> Mem.PageShift);
        PunchHole(v.File, first, first + ((e - s) >> Mem.PageShift));
        return 0;
    }

    /// <summary>shmem_fallocate's hole over file pages [first, last): see <see cref="MadviseRemove"/>.</summary>
    void PunchHole(MappedFile file, ulong first, ulong last)
    {
        foreach (var q in processes.Where(q => q.Running))
            foreach (var w in q.Vmas.All().Where(w => w.File == file).ToList())
            {
                ulong wLast = w.PgOff + ((w.End - w.Start) >> Mem.PageShift);
                ulong a = Math.Max(first, w.PgOff), b = Math.Min(last, wLast);
                if (a >= b) continue;
                ulong from = (w.Start >> Mem.PageShift) + (a - w.PgOff), to = from + (b - a);
                DrainLocal();
                foreach (var (vpn, pte) in q.PresentInOrder(from, to).Where(x => !x.Pte.Folio.Anon))
                {
                    q.Ptes.Remove(vpn);
                    ZapPte(q, pte, w);
                }
            }
        foreach (var index in file.Pages.Keys.Where(i => i >= first && i < last).ToList())
            DropFromPageCache(file, index);
    }

    /// <summary>filemap_remove_folio: the page leaves the file's page cache (shmem_truncate_range, __remove_mapping).</summary>
    static void DropFromPageCache(MappedFile file, ulong index)
    {
        if (file.Pages.Remove(index, out var folio)) folio.InPageCache = false;
    }

    /// <summary>
    /// madvise_cold and madvise_pageout: a VM_LOCKED (or VM_PFNMAP, VM_HUGETLB) VMA refuses (can_madv_lru_vma);
    /// otherwise the local batches are drained and madvise_cold_or_pageout_pte_range visits the present PTEs, taking
    /// the folios that are on the LRU and mapped only there (mapcount 1; the zero page never) and clearing their
    /// PG_referenced. COLD makes the PTE old and queues the folio for deactivation (folio_deactivate). PAGEOUT leaves the
    /// PTE young and isolates the folio (folio_isolate_lru; an unevictable one goes straight back); reclaim_pages then
    /// clears PG_active and runs shrink_folio_list on them without looking at references, and neither kernel judged has
    /// swap space: see <see cref="ReclaimOne"/>. What is not freed goes back on the LRU through the lru_add batch
    /// (folio_putback_lru). (A file mapping its caller may neither own nor write is left alone by PAGEOUT,
    /// can_do_file_pageout; every file here is the trace's own.)
    /// </summary>
    Errno MadviseColdOrPageOut(Process p, Vma v, ulong s, ulong e, bool pageout, out Vma result)
    {
        result = v;
        if ((v.Flags & (VmFlags.Locked | VmFlags.PfnMap | VmFlags.HugeTlb)) != 0) return Errno.EINVAL;
        DrainLocal();
        var isolated = new List<(ulong Vpn, Folio Folio)>();
        foreach (var (vpn, pte) in p.PresentInOrder(s >> Mem.PageShift, e >> Mem.PageShift))
        {
            var folio = pte.Folio;
            if (folio.IsZero || !folio.Lru || folio.MapCount != 1) continue;
            if (!pageout && pte.Young) p.Ptes[vpn] = pte with { Young = false };
            folio.Referenced = false;
            if (!pageout) Deactivate(folio);
            else
            {
                folio.Lru = false;
                if (folio.Unevictable) AddLru(folio);
                else isolated.Add((vpn, folio));
            }
        }
        foreach (var (vpn, folio) in isolated)
        {
            folio.Active = false;
            if (!ReclaimOne(p, v, vpn, folio)) AddLru(folio);
        }
        return 0;
    }

    /// <summary>
    /// shrink_folio_list for one isolated folio mapped once, at vpn in v, with no swap space; true when it was freed.
    /// An mlocked folio is kept (not evictable). A swap-backed anonymous folio finds no swap (add_to_swap) and is
    /// activated. Any other is unmapped by try_to_unmap, its PTE's dirty bit moving to the folio: a lazily freed
    /// anonymous folio is then discarded if clean (a VM_DROPPABLE one even if dirty), else mapped again, swap-backed
    /// once more, and activated; a shmem folio stays unmapped, and is activated if dirty (shmem_writepage finds no swap
    /// and redirties it) or, if clean, dropped from the page cache (__remove_mapping).
    /// </summary>
    bool ReclaimOne(Process p, Vma v, ulong vpn, Folio folio)
    {
        if (folio.Mlocked) return false;
        if (folio.Anon && folio.SwapBacked)
        {
            folio.Active = true;
            return false;
        }
        if (p.Ptes[vpn].Dirty) folio.Dirty = true;
        if (folio.Anon && folio.Dirty && (v.Flags & VmFlags.Droppable) == 0)
        {
            folio.SwapBacked = true;
            folio.Active = true;
            return false;
        }
        p.Ptes.Remove(vpn);
        AddRss(p, folio.Counter, -1);
        RemoveRmap(folio, v);
        if (folio.Anon) return true;
        if (folio.Dirty)
        {
            folio.Active = true;
            return false;
        }
        DropFromPageCache(v.File!, v.PgOff + (vpn - (v.Start >> Mem.PageShift)));
        return true;
    }

    /// <summary>
    /// madvise_populate: faultin_page_range (mm/gup.c) with FOLL_TOUCH | FOLL_MADV_POPULATE, and FOLL_WRITE for
    /// MADV_POPULATE_WRITE, but never FOLL_FORCE. __get_user_pages looks up the VMA at each VMA boundary: none there is
    /// ENOMEM, one check_vma_flags refuses (no VM_READ for a read, no VM_WRITE for a write, VM_IO or VM_PFNMAP) is
    /// EINVAL, a fault that ends in SIGBUS or SIGSEGV is EFAULT; the pages before it stay populated. Each page is
    /// followed (follow_page_pte) and faulted in if the PTE does not allow the access; then FOLL_TOUCH marks it
    /// accessed and, for a write through a clean PTE, its folio dirty. faultin_page_range drains the local batches at the end.
    /// </summary>
    Errno MadvisePopulate(Process p, ulong start, ulong end, bool write)
    {
        Errno err = 0;
        for (ulong a = start; a < end && err == 0;)
        {
            var v = p.Vmas.Containing(a); // vma_lookup
            if (v is null) { err = Errno.ENOMEM; break; }
            if ((v.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0 || (v.Flags & (write ? VmFlags.Write : VmFlags.Read)) == 0) { err = Errno.EINVAL; break; }
            ulong e = Math.Min(end, v.End);
            CheckPresentBound(p, a, e);
            v = p.Vmas.Own(v); // the first fault may attach an anon_vma; later ones must see it on the same object
            for (; a < e; a += Mem.PageSize)
            {
                ulong vpn = a >> Mem.PageShift;
                if (!(p.Ptes.TryGetValue(vpn, out var pte) && GupCanFollow(v, pte, write)))
                {
                    if (Fault(p, v, a, write) != FaultResult.Ok) { err = Errno.EFAULT; break; }
                    pte = p.Ptes[vpn];
                }
                if (write && !pte.Dirty) pte.Folio.Dirty = true; // set_page_dirty, unless the PTE or the folio is dirty already
                MarkAccessed(pte.Folio);
            }
        }
        DrainLocal();
        return err;
    }

    /// <summary>
    /// follow_page_pte finds a present page usable without a fault: any page for a read (the zero page too); for a write,
    /// only through a writable PTE (can_follow_write_pte without FOLL_FORCE). A shmem mapping's PTEs are writable when
    /// its VMA is (no write notification); a private mapping's only for an exclusive anonymous page.
    /// </summary>
    static bool GupCanFollow(Vma v, Pte pte, bool write) =>
        !write || ((v.Flags & VmFlags.Shared) != 0 ? !pte.Folio.IsZero : pte.Folio.Anon && pte.Folio.Exclusive && pte.Folio.MapCount == 1);

    /// <summary>
    /// madvise_dontneed_free for MADV_DONTNEED, MADV_DONTNEED_LOCKED and MADV_FREE: a VM_PFNMAP VMA refuses, and a
    /// VM_LOCKED one unless the advice is MADV_DONTNEED_LOCKED (madvise_dontneed_free_valid_vma). FREE goes on to
    /// <see cref="FreeRange"/>; the others to madvise_dontneed_single_vma, which zaps the range's PTEs as munmap would
    /// (zap_page_range_single, which drains the local batches first; a locked folio is munlocked as its rmap goes) and
    /// leaves the VMA as it is: no split, no flag, the anon_vma kept.
    /// </summary>
    Errno MadviseDontNeedFree(Process p, Vma v, ulong s, ulong e, int advice, out Vma result)
    {
        result = v;
        var forbidden = advice == Madv.DontNeedLocked ? VmFlags.PfnMap : VmFlags.Locked | VmFlags.PfnMap;
        if ((v.Flags & forbidden) != 0) return Errno.EINVAL;
        if (s == e) return 0;
        if (advice == Madv.Free) return FreeRange(p, v, s, e);
        DrainLocal();
        ZapRange(p, v, s, e);
        return 0;
    }

    Errno MadviseBehavior(Process p, Vma v, ulong s, ulong e, int advice, out Vma result)
    {
        result = v;
        var newFlags = v.Flags;
        switch (advice)
        {
            case Madv.Normal: newFlags &= ~(VmFlags.RandRead | VmFlags.SeqRead); break;
            case Madv.Sequential: newFlags = (newFlags & ~VmFlags.RandRead) | VmFlags.SeqRead; break;
            case Madv.Random: newFlags = (newFlags & ~VmFlags.SeqRead) | VmFlags.RandRead; break;
            case Madv.DontFork: newFlags |= VmFlags.DontCopy; break;
            case Madv.DoFork:
                if ((v.Flags & VmFlags.Io) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.DontCopy; break;
            case Madv.WipeOnFork:
                if (v.File is not null || (v.Flags & VmFlags.Shared) != 0) return Errno.EINVAL;
                newFlags |= VmFlags.WipeOnFork; break;
            case Madv.KeepOnFork:
                if ((v.Flags & VmFlags.Droppable) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.WipeOnFork; break;
            case Madv.DontDump: newFlags |= VmFlags.DontDump; break;
            case Madv.DoDump:
                if ((newFlags & VmFlags.Special) != 0 || (v.Flags & VmFlags.Droppable) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.DontDump; break;
            // hugepage_madvise. The khugepaged registration it may lead to is asynchronous and never collapses a VMA
            // without a whole aligned huge page in it; a fault that could map one is refused (LinuxModel.Fault).
            case Madv.HugePage: newFlags = (newFlags & ~VmFlags.NoHugePage) | VmFlags.HugePage; break;
            case Madv.NoHugePage: newFlags = (newFlags & ~VmFlags.HugePage) | VmFlags.NoHugePage; break;
            // ksm_madvise: the advice is ignored where KSM cannot merge (vma_ksm_compatible). With ksmd stopped, as on
            // this host, registering the mm merges nothing, and unmerging finds no KSM page to break.
            case Madv.Mergeable:
                if ((v.Flags & VmFlags.Mergeable) == 0 && KsmCompatible(v)) newFlags |= VmFlags.Mergeable;
                break;
            case Madv.Unmergeable: newFlags &= ~VmFlags.Mergeable; break;
        }
        var err = UpdateVma(p, v, s, e, newFlags, v.Name, out result);
        return err == Errno.ENOMEM ? Errno.EAGAIN : err;
    }

    /// <summary>vma_ksm_compatible: KSM leaves shared, special, hugetlb and droppable mappings alone.</summary>
    static bool KsmCompatible(Vma v) =>
        (v.Flags & (VmFlags.Shared | VmFlags.MayShare | VmFlags.Special | VmFlags.HugeTlb | VmFlags.Droppable)) == 0;

    /// <summary>
    /// madvise_collapse: thp_vma_allowable_order (no VM_NOHUGEPAGE, not special, a whole aligned huge page inside the
    /// VMA, an anonymous VMA already faulted) or EINVAL, which stops the walk. A collapse that could happen is not
    /// modelled and refuses the trace.
    /// </summary>
    Errno MadviseCollapse(Process p, Vma v, ulong s, ulong e, out Vma result)
    {
        result = v;
        if ((v.Flags & (VmFlags.NoHugePage | VmFlags.Special | VmFlags.HugeTlb)) != 0 || !HasWholeHugePage(v)) return Errno.EINVAL;
        if (v.IsAnonymous && !v.HasAnonVma) return Errno.EINVAL;
        throw new TraceException($"MADV_COLLAPSE of {v.Start:x}-{v.End:x}, which holds a whole aligned huge page, is not modelled (transparent huge pages)");
    }

    /// <summary>thp_vma_suitable_order for the PMD size at the VMA's end: some 2 MiB-aligned huge page lies wholly inside it.</summary>
    static bool HasWholeHugePage(Vma v) =>
        v.End - v.Start >= Mem.HugePageSize && ((v.End - Mem.HugePageSize) & ~(Mem.HugePageSize - 1)) >= v.Start;

    /// <summary>madvise_update_vma: nothing changes, nothing splits; otherwise modify (which writes flags and name).</summary>
    Errno UpdateVma(Process p, Vma v, ulong s, ulong e, VmFlags newFlags, AnonName? name, out Vma result)
    {
        result = v;
        if (newFlags == v.Flags && NameEq(v.Name, name)) return 0;
        var (res, err) = Modify(p, v, s, e, newFlags, name);
        if (err != 0) return err;
        result = res!;
        return 0;
    }

    /// <summary>replace_anon_vma_name: NULL clears, an equal string keeps the old object, otherwise take a reference.</summary>
    void ReplaceName(Vma v, AnonName? name)
    {
        var orig = v.Name;
        if (name is null) { v.Name = null; NamePut(orig); return; }
        if (NameEq(orig, name)) return;
        v.Name = NameShare(name, NameSite.Prctl);
        NamePut(orig);
    }

    /// <summary>madvise_walk_vmas: gaps are remembered as ENOMEM and skipped; the first visit error stops the walk.</summary>
    Errno WalkVmas(Process p, ulong start, ulong end, Visit visit)
    {
        Errno unmapped = 0;
        var v = p.Vmas.FirstEndingAfter(start);
        while (true)
        {
            if (v is null) return Errno.ENOMEM;
            if (start < v.Start)
            {
                unmapped = Errno.ENOMEM;
                start = v.Start;
                if (start >= end) break;
            }
            ulong tmp = Math.Min(v.End, end);
            var err = visit(p, v, start, tmp, out var prev);
            if (err != 0) return err;
            start = tmp;
            if (start < prev.End) start = prev.End;
            if (start >= end) break;
            v = p.Vmas.FirstEndingAfter(prev.End);
        }
        return unmapped;
    }

    Outcome SetAnonName(Process p, NameCall c)
    {
        if (!Profile.AnonVmaName) return Outcome.Err(Errno.EINVAL);
        if (c.Option != Prctl.SetVmaAnonName) return Outcome.Err(Errno.EINVAL);
        var (anonName, err) = MakeName(p, c.Name, c.BadPointer, c.From);
        if (err != 0) return Outcome.Err(err);
        var result = SetAnonNameRange(p, c.Addr, c.Len, anonName);
        NamePut(anonName); // the prctl caller's own reference
        return result;
    }

    Outcome SetAnonNameRange(Process p, ulong start, ulong lenIn, AnonName? name)
    {
        if (!Mem.Aligned(start)) return Outcome.Err(Errno.EINVAL);
        ulong len = Mem.PageAlign(lenIn);
        if (lenIn != 0 && len == 0) return Outcome.Err(Errno.EINVAL);
        ulong end = start + len;
        if (end < start) return Outcome.Err(Errno.EINVAL);
        if (end == start) return Outcome.Ok;
        var err = WalkVmas(p, start, end, (Process q, Vma v, ulong s, ulong e, out Vma r) =>
        {
            r = v;
            if (v.File is not null && !v.IsAnonShmem) return Errno.EBADF;
            var e2 = UpdateVma(q, v, s, e, v.Flags, name, out r);
            return e2 == Errno.ENOMEM ? Errno.EAGAIN : e2;
        });
        return err == 0 ? Outcome.Ok : Outcome.Err(err);
    }
}

/// <summary>The kernel's rule for name characters (kernel/sys.c:is_valid_name_char) and length.</summary>
public static class NameRules
{
    /// <summary>Printable ASCII except \ ` $ [ ].</summary>
    public static bool IsValidChar(char ch) => ch >= 0x20 && ch <= 0x7e && ch is not ('\\' or '`' or '$' or '[' or ']');

    /// <summary>Every character valid (the length limit is checked separately, with the NUL counted).</summary>
    public static bool IsValid(string name)
    {
        foreach (var ch in name) if (!IsValidChar(ch)) return false;
        return true;
    }
}
