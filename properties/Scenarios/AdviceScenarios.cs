using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// madvise advice beyond the fork, dump and DONTNEED ones (mm/madvise.c:madvise_behavior_valid, madvise_vma_behavior,
/// madvise_willneed, madvise_free_single_vma, madvise_remove, madvise_cold, madvise_pageout, madvise_populate;
/// mm/gup.c:faultin_page_range; mm/vmscan.c:reclaim_pages, shrink_folio_list;
/// mm/shmem.c:shmem_fallocate). Replayed on both kernels through the scenario corpus.
/// </summary>
public class AdviceScenarios
{
    [Fact] // madvise_vma_behavior: NORMAL, SEQUENTIAL and RANDOM set or clear VM_SEQ_READ and VM_RAND_READ, splitting and merging like any flag
    public void Access_pattern_advice_splits_and_merges_back()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW);
            s.Write(B);
            s.Madvise(B + P, P, Madv.Random).Is("0");
            Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
            Assert.Contains("rr ", s.VmFlagsAt(B + P));
            s.Madvise(B + P, 2 * P, Madv.Sequential).Is("0");
            Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 3, "rw-p")), s.Maps());
            Assert.Contains("sr ", s.VmFlagsAt(B + 2 * P));
            Assert.DoesNotContain("rr ", s.VmFlagsAt(B + P));
            s.Madvise(B, 3 * P, Madv.Normal).Is("0");
            Assert.Equal(L(0, 3, "rw-p"), s.Maps());
        }
    }

    [Fact] // zap_present_folio_ptes marks a young file PTE's folio accessed only where vma_has_recency (not under SEQUENTIAL or RANDOM)
    public void Unmapping_a_young_page_of_a_random_access_mapping_leaves_it_unreferenced()
    {
        foreach (var make in new Func<Scenario>[] { On612, On618 })
            foreach (int advice in new[] { Madv.Normal, Madv.Random, Madv.Sequential })
            {
                var s = make();
                s.Memfd(P);
                s.Mmap(B + 4 * P, 2 * P, Prot.Write, Map.Private | Map.Fixed, handle: 0);
                s.Write(B + 5 * P).Is("SIGBUS"); // past the file's end, but the anon_vma is attached (do_cow_fault), so fork copies the PTEs
                s.Madvise(B + 4 * P, P, advice).Is("0");
                s.Read(B + 4 * P); // the page cache page, mapped young
                s.Fork();          // the child's copy of the PTE is old (copy_present_pte)
                s.Exit(0);         // p0's young PTE is zapped
                Assert.Equal(advice == Madv.Normal ? 4UL : 0UL, s.Block(B + 4 * P, pid: 1).Counters.Referenced);
            }
    }

    [Fact] // madvise_behavior_valid: KSM's and THP's advice exist only in kernels built with them, memory failure's in neither here
    public void Advice_a_kernel_is_built_without_is_EINVAL()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        foreach (int advice in new[] { Madv.Mergeable, Madv.Unmergeable, Madv.HugePage, Madv.NoHugePage, Madv.Collapse, Madv.HwPoison,
                                       Madv.SoftOffline, Madv.GuardInstall, Madv.GuardRemove, 26, -1 })
            s.Madvise(B, P, advice).Is("-EINVAL");
        var h = On618();
        h.Mmap(B, P, RW);
        foreach (int advice in new[] { Madv.HwPoison, Madv.SoftOffline, 26, 104 })
            h.Madvise(B, P, advice).Is("-EINVAL");
    }

    [Fact] // hugepage_madvise: VM_HUGEPAGE and VM_NOHUGEPAGE exclude each other, and split and merge like any flag (THP is built into the host only)
    public void Huge_page_advice_sets_and_clears_hg_and_nh()
    {
        var h = On618();
        h.Mmap(B, 3 * P, RW);
        h.Madvise(B + P, P, Madv.HugePage).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p")), h.Maps());
        Assert.Contains("hg ", h.VmFlagsAt(B + P));
        h.Write(B + P); // the VMA holds no whole aligned huge page: an ordinary fault
        h.Madvise(B, 3 * P, Madv.NoHugePage).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), h.Maps());
        Assert.Contains("nh ", h.VmFlagsAt(B));
        Assert.DoesNotContain("hg ", h.VmFlagsAt(B));
    }

    [Fact] // ksm_madvise: VM_MERGEABLE only where vma_ksm_compatible allows (not shared memory); UNMERGEABLE clears it
    public void Mergeable_advice_marks_private_memory_only()
    {
        var h = On618();
        h.Mmap(B, 2 * P, RW);
        h.Mmap(B + 2 * P, P, RW, SharedF);
        h.Madvise(B, 3 * P, Madv.Mergeable).Is("0");
        Assert.Contains("mg ", h.VmFlagsAt(B));
        Assert.DoesNotContain("mg ", h.VmFlagsAt(B + 2 * P));
        h.Madvise(B + P, P, Madv.Unmergeable).Is("0"); // splits the private VMA
        Assert.Contains("mg ", h.VmFlagsAt(B));
        Assert.DoesNotContain("mg ", h.VmFlagsAt(B + P));
        Assert.Equal(P, h.Block(B).Header.End - h.Block(B).Header.Start);
    }

    [Fact] // madvise_collapse: thp_vma_allowable_order fails without a whole aligned huge page in the VMA: EINVAL, which ends the walk
    public void Collapse_without_room_for_a_huge_page_is_EINVAL()
    {
        var h = On618();
        h.Mmap(B, 2 * P, RW);
        h.Write(B);
        h.Madvise(B, 2 * P, Madv.Collapse).Is("-EINVAL");
        h.Madvise(B + 4 * P, P, Madv.Collapse).Is("-ENOMEM"); // only a hole
        h.Madvise(B, 4 * P, Madv.Collapse).Is("-EINVAL");
    }

    [Fact] // madvise_willneed: without CONFIG_SWAP anonymous memory is EBADF and stops the walk; tmpfs ignores the advice (noop bdi)
    public void WillNeed_is_EBADF_on_anonymous_memory_without_swap()
    {
        var s = On612();
        s.Memfd(2 * P);
        s.Mmap(B, P, RW, Map.Shared | Map.Fixed, handle: 0);
        s.Mmap(B + P, P, RW);
        s.Madvise(B, P, Madv.WillNeed).Is("0");
        s.Madvise(B, 3 * P, Madv.WillNeed).Is("-EBADF"); // the hole after the anonymous VMA is never reached
        var h = On618(); // CONFIG_SWAP: nothing is swapped out, so only the hole counts
        h.Mmap(B, P, RW);
        h.Madvise(B, P, Madv.WillNeed).Is("0");
        h.Madvise(B, 3 * P, Madv.WillNeed).Is("-ENOMEM");
    }

    [Fact] // faultin_page_range: a read maps what a read fault would (the zero page on 6.12), a write what a write fault would
    public void Populate_read_maps_the_zero_page_and_populate_write_real_pages()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Madvise(B, 2 * P, Madv.PopulateRead).Is("0");
        Assert.Equal(0UL, s.Block(B).Counters.Rss);
        s.Madvise(B, 2 * P, Madv.PopulateWrite).Is("0");
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 8UL), (c.Rss, c.Anonymous, c.PrivateDirty));
    }

    [Fact] // __get_user_pages with FOLL_MADV_POPULATE: no VMA is ENOMEM, check_vma_flags' refusal EINVAL (no FOLL_FORCE), SIGBUS EFAULT
    public void Populate_checks_each_vma_and_keeps_what_it_populated()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, NONE);
            s.Madvise(B, P, Madv.PopulateRead).Is("-EINVAL");
            s.Mmap(B + P, P, Prot.Write); // VM_WRITE without VM_READ: a read is refused, a write is not
            s.Madvise(B + P, P, Madv.PopulateRead).Is("-EINVAL");
            s.Madvise(B + P, P, Madv.PopulateWrite).Is("0");
            s.Mmap(B + 2 * P, P, R);
            s.Madvise(B + 2 * P, P, Madv.PopulateWrite).Is("-EINVAL");
            s.Mmap(B + 4 * P, P, RW);
            s.Madvise(B + 4 * P, 2 * P, Madv.PopulateWrite).Is("-ENOMEM"); // the page before the hole stays populated
            Assert.Equal(4UL, s.Block(B + 4 * P).Counters.Rss);
            s.Memfd(P);
            s.Mmap(B + 8 * P, 2 * P, RW, Map.Private | Map.Fixed, handle: 0);
            s.Madvise(B + 8 * P, 2 * P, Madv.PopulateRead).Is("-EFAULT"); // the second page is past i_size
            Assert.Equal(4UL, s.Block(B + 8 * P).Counters.Rss);
        }
    }

    [Fact] // follow_page_pte: a write needs a writable PTE, so a shared page after fork faults (COW); FOLL_TOUCH dirties a shmem folio
    public void Populate_write_copies_a_page_shared_with_a_fork()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Madvise(B, 2 * P, Madv.PopulateWrite).Is("0");
            s.Fork().Is("p1");
            Assert.Equal(4UL, s.Block(B).Counters.Pss);
            s.Madvise(B, P, Madv.PopulateWrite, pid: 1).Is("0");
            var c = s.Block(B, pid: 1).Counters;
            Assert.Equal((8UL, 6UL), (c.Rss, c.Pss)); // one page of its own, one still shared with p0
            s.Memfd(P);
            s.Mmap(B + 4 * P, P, RW, Map.Shared | Map.Fixed, handle: 0);
            s.Read(B + 4 * P);
            Assert.Equal(0UL, s.Block(B + 4 * P).Counters.PrivateDirty);
            s.Madvise(B + 4 * P, P, Madv.PopulateWrite).Is("0"); // no fault: the PTE is writable, and set_page_dirty marks the folio
            Assert.Equal(4UL, s.Block(B + 4 * P).Counters.PrivateDirty);
        }
    }

    [Fact] // madvise_dontneed_free_valid_vma: DONTNEED_LOCKED zaps a VM_LOCKED VMA, which stays locked and faults its pages in locked
    public void DontNeed_locked_zaps_locked_memory()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW, F | Map.Locked);
            Assert.Equal(8UL, s.Block(B).Counters.Locked);
            s.Madvise(B, 2 * P, Madv.DontNeed).Is("-EINVAL");
            s.Madvise(B, 2 * P, Madv.DontNeedLocked).Is("0");
            Assert.Equal((0UL, 0UL), (s.Block(B).Counters.Rss, s.Block(B).Counters.Locked));
            Assert.Contains("lo ", s.VmFlagsAt(B));
            s.Write(B);
            Assert.Equal(4UL, s.Block(B).Counters.Locked);
        }
    }

    [Fact] // madvise_cold: the PTEs made old and PG_referenced cleared, only for folios mapped once; a locked VMA refuses
    public void Cold_forgets_the_references_of_pages_mapped_once()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Write(B);
            s.Write(B + P);
            Assert.Equal(8UL, s.Block(B).Counters.Referenced);
            s.Madvise(B, 2 * P, Madv.Cold).Is("0");
            Assert.Equal(0UL, s.Block(B).Counters.Referenced);
            s.Read(B + P); // the CPU sets the accessed bit again
            Assert.Equal(4UL, s.Block(B).Counters.Referenced);
            s.Fork().Is("p1");
            s.Read(B, pid: 1);
            s.Madvise(B, 2 * P, Madv.Cold).Is("0"); // both pages are mapped twice now: left alone
            Assert.Equal(4UL, s.Block(B).Counters.Referenced);
            s.Mmap(B + 3 * P, P, RW, F | Map.Locked);
            s.Madvise(B + 3 * P, P, Madv.Cold).Is("-EINVAL");
        }
    }

    [Fact] // madvise_free_pte_range: PTEs made clean and old, folios queued for lru_lazyfree, which clears PG_swapbacked: smaps' LazyFree
    public void Free_makes_pages_clean_and_lazily_freed()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Write(B);
            s.Write(B + P);
            s.Madvise(B, 2 * P, Madv.Free).Is("0");
            var c = s.Block(B).Counters;
            Assert.Equal((8UL, 0UL, 8UL, 0UL), (c.Rss, c.PrivateDirty, c.PrivateClean, c.LazyFree)); // the batch waits for the next drain
            s.Read(B); // the executor's drain before this call runs lru_lazyfree
            Assert.Equal(8UL, s.Block(B).Counters.LazyFree);
            s.Write(B + P); // no fault: the PTE is writable, and now dirty again
            c = s.Block(B).Counters;
            Assert.Equal((4UL, 4UL), (c.PrivateDirty, c.LazyFree));
            s.Mmap(B + 3 * P, P, RW, SharedF);
            s.Madvise(B + 3 * P, P, Madv.Free).Is("-EINVAL"); // shmem is not anonymous
            s.Mmap(B + 5 * P, P, RW, F | Map.Locked);
            s.Madvise(B + 5 * P, P, Madv.Free).Is("-EINVAL");
        }
    }

    [Fact] // madvise_remove -> shmem_fallocate(PUNCH_HOLE): every mapping's page cache PTEs over the hole go, private copies stay
    public void Remove_punches_a_hole_in_every_mapping_of_the_file()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Memfd(4 * P);
            s.Mmap(B, 2 * P, RW, Map.Shared | Map.Fixed, handle: 0);
            s.Write(B);
            s.Write(B + P);
            s.Mmap(B + 3 * P, 2 * P, RW, Map.Private | Map.Fixed, handle: 0);
            s.Read(B + 3 * P);   // the page cache page
            s.Write(B + 4 * P);  // a private copy of page 1
            s.Fork().Is("p1");
            s.Madvise(B + 3 * P, 2 * P, Madv.Remove).Is("-EACCES"); // not a shared mapping
            s.Madvise(B, 2 * P, Madv.Remove).Is("0");
            Assert.Equal(0UL, s.Block(B).Counters.Rss);
            Assert.Equal(0UL, s.Block(B, pid: 1).Counters.Rss);
            var c = s.Block(B + 3 * P).Counters;
            Assert.Equal((4UL, 4UL), (c.Rss, c.Anonymous)); // page 0's PTE gone, the copy of page 1 kept
            s.Read(B, pid: 1); // a new, clean page
            Assert.Equal((4UL, 0UL), (s.Block(B, pid: 1).Counters.Rss, s.Block(B, pid: 1).Counters.PrivateDirty));
            s.Mmap(B + 6 * P, P, RW);
            s.Madvise(B + 6 * P, P, Madv.Remove).Is("-EINVAL"); // no file
        }
    }

    [Fact] // folio_add_new_anon_rmap leaves a VM_DROPPABLE VMA's folios without PG_swapbacked: MADV_FREE's clean PTE is LazyFree at once
    public void Free_on_droppable_memory_is_lazy_at_once()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW, Map.Droppable | Map.Anonymous | Map.FixedNoReplace);
            s.Write(B);
            s.Madvise(B, P, Madv.PopulateRead).Is("0"); // FOLL_TOUCH: PG_referenced
            Assert.Equal(0UL, s.Block(B).Counters.LazyFree); // a dirty PTE
            s.Madvise(B, P, Madv.Free).Is("0");
            var c = s.Block(B).Counters;
            Assert.Equal((4UL, 4UL), (c.LazyFree, c.Referenced)); // the PTE old, PG_referenced kept
            s.Mmap(B + 2 * P, P, RW); // a call, so a drain: the folio was never queued for lru_lazyfree, so PG_referenced stays
            Assert.Equal(4UL, s.Block(B).Counters.Referenced);
        }
    }

    [Fact] // madvise_pageout -> reclaim_pages with no swap space: swap-backed anonymous folios stay, shmem ones are unmapped, lazy ones discarded
    public void PageOut_without_swap_space_unmaps_shmem_and_discards_lazy_pages()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Write(B);
            s.Write(B + P);
            s.Madvise(B + P, P, Madv.Free).Is("0");
            s.Madvise(B, 2 * P, Madv.PageOut).Is("0");
            Assert.Equal(4UL, s.Block(B).Counters.Rss); // the clean lazily freed page is gone; no swap for the other
            s.Memfd(2 * P);
            s.Mmap(B + 3 * P, 2 * P, RW, Map.Shared | Map.Fixed, handle: 0);
            s.Write(B + 3 * P);
            s.Read(B + 4 * P);
            s.Madvise(B + 3 * P, 2 * P, Madv.PageOut).Is("0");
            Assert.Equal(0UL, s.Block(B + 3 * P).Counters.Rss); // unmapped; the dirty page stays in the page cache
            s.Read(B + 3 * P);
            Assert.Equal(4UL, s.Block(B + 3 * P).Counters.PrivateDirty);
            s.Mmap(B + 6 * P, P, RW, F | Map.Locked);
            s.Madvise(B + 6 * P, P, Madv.PageOut).Is("-EINVAL");
        }
    }

    [Fact] // unmap_mapping_range reaches every process: a child that maps nothing of the file there still unmaps its parent's page
    public void Remove_by_a_child_unmaps_its_parents_page()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Memfd(P);
            s.Mmap(B, P, RW, Map.Shared | Map.Fixed, handle: 0);
            s.Fork().Is("p1");
            s.Write(B);
            Assert.Equal((4UL, 0UL), (s.Block(B).Counters.Rss, s.Block(B, pid: 1).Counters.Rss)); // fork copies no shmem PTEs
            s.Madvise(B, P, Madv.Remove, pid: 1).Is("0");
            Assert.Equal(0UL, s.Block(B).Counters.Rss);
        }
    }
}
