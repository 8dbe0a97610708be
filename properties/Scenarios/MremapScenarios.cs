using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// Where Linux 6.16-6.17's rework of mm/mremap.c (the host's kernel) and 6.12 part ways: do_mremap checks the VMA
/// (check_prep_vma) before mremap_to unmaps anything, remap_move moves every VMA of an MREMAP_FIXED range that keeps its
/// length, and MREMAP_DONTUNMAP neither splits a locked source first nor keeps the copy from merging with its source.
/// Replayed on both kernels through the scenario corpus.
/// </summary>
public class MremapScenarios
{
    const int MoveFixed = Remap.MayMove | Remap.Fixed, MoveKeep = Remap.MayMove | Remap.DontUnmap;

    [Fact] // check_mremap_params (6.12: the syscall's own checks), then the VMA: the same answers on both kernels
    public void Mremap_parameter_errors()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Mmap(B + 2 * P, P, R);
            s.Mremap(B, P, 2 * P, 8).Is("-EINVAL"); // an unknown flag
            s.Mremap(B + 1, P, P, 0).Is("-EINVAL"); // addr not aligned
            s.Mremap(B, P, 0, 0).Is("-EINVAL"); // no new length
            s.Mremap(B, P, P, Remap.Fixed, B + 4 * P).Is("-EINVAL"); // MREMAP_FIXED without MREMAP_MAYMOVE
            s.Mremap(B, P, 2 * P, MoveKeep, B + 4 * P).Is("-EINVAL"); // MREMAP_DONTUNMAP resizing
            s.Mremap(B + 4 * P, P, P, MoveFixed, B + 6 * P).Is("-EFAULT"); // no VMA at addr
            s.Mremap(B, 0, P, Remap.MayMove).Is("-EINVAL"); // duplicating a private mapping
            s.Mremap(B, 2 * P, 3 * P, 0).Is("-ENOMEM"); // the next VMA is in the way and moving is not allowed
            s.Mremap(B, P, 3 * P, 0).Is("-ENOMEM"); // a range that does not end its VMA cannot grow in place
            s.Mremap(B, 3 * P, 4 * P, Remap.MayMove).Is("-EFAULT"); // a range that crosses its VMA's end
            s.Mremap(B, 2 * P, 2 * P, MoveFixed, B + P).Is("-EINVAL"); // the two ranges overlap
            Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "r--p")), s.Maps());
        }
    }

    [Fact] // mlock_future_ok (vma_to_resize; check_prep_vma): a locked VMA may not grow past RLIMIT_MEMLOCK without CAP_IPC_LOCK
    public void Growing_a_locked_vma_past_the_memlock_limit_is_EAGAIN()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW);
            s.Mlock(B, P).Is("0");
            s.SetCreds(P, capIpcLock: false).Is("0");
            s.Mremap(B, P, 2 * P, Remap.MayMove).Is("-EAGAIN");
            s.Munlock(B, P).Is("0");
            s.Mremap(B, P, 2 * P, Remap.MayMove).Is(B); // unlocked, it grows in place
            Assert.Equal(L(0, 2, "rw-p"), s.Maps());
        }
    }

    [Fact] // remap_move: each VMA goes to the first one's new address plus its old offset; the gap between them is left as it was
    public void A_fixed_move_of_two_vmas_keeps_the_gap_and_what_lies_in_it()
    {
        var h = On618();
        h.Mmap(B, P, RW);
        h.Mmap(B + 2 * P, P, RW);
        h.Mmap(B + 5 * P, P, R); // in the destination's gap
        h.Mremap(B, 3 * P, 3 * P, MoveFixed, B + 4 * P).Is(B + 4 * P);
        Assert.Equal(Lines(L(4, 5, "rw-p"), L(5, 6, "r--p"), L(6, 7, "rw-p")), h.Maps());
        // 6.12: mremap_to unmaps the whole destination, then vma_to_resize refuses the range that crosses a VMA's end.
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mmap(B + 2 * P, P, RW);
        s.Mmap(B + 5 * P, P, R);
        s.Mremap(B, 3 * P, 3 * P, MoveFixed, B + 4 * P).Is("-EFAULT");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(2, 3, "rw-p")), s.Maps());
    }

    [Fact] // remap_move: no VMA at the range's start is EFAULT before anything moves or is unmapped
    public void A_fixed_move_from_a_gap_is_EFAULT_on_both()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B + P, P, RW);
            s.Mmap(B + 4 * P, P, R);
            s.Mremap(B, 2 * P, 2 * P, MoveFixed, B + 4 * P).Is("-EFAULT");
            Assert.Equal(Lines(L(1, 2, "rw-p"), L(4, 5, "r--p")), s.Maps());
        }
    }

    [Fact] // check_prep_vma comes before mremap_to's do_munmap of the destination (6.12: after it)
    public void A_fixed_growth_across_a_vma_end_leaves_the_destination_mapped()
    {
        var h = On618();
        h.Mmap(B, P, RW);
        h.Mmap(B + P, P, R);
        h.Mmap(B + 4 * P, 2 * P, R);
        h.Mremap(B, 2 * P, 3 * P, MoveFixed, B + 4 * P).Is("-EFAULT");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "r--p"), L(4, 6, "r--p")), h.Maps());
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mmap(B + P, P, R);
        s.Mmap(B + 4 * P, 2 * P, R);
        s.Mremap(B, 2 * P, 3 * P, MoveFixed, B + 4 * P).Is("-EFAULT");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "r--p")), s.Maps());
    }

    [Fact] // dontunmap_complete clears VM_LOCKED on the source VMA, which the rework no longer splits first (6.12 splits it)
    public void DontUnmap_of_part_of_a_locked_vma_unlocks_all_of_it()
    {
        var h = On618();
        h.Mmap(B, 3 * P, RW);
        h.Mlock(B, 3 * P).Is("0");
        h.Mremap(B + P, P, P, MoveKeep, B + 8 * P).Is(B + 8 * P);
        Assert.Equal(Lines(L(0, 3, "rw-p"), L(8, 9, "rw-p")), h.Maps());
        Assert.DoesNotContain("lo ", h.VmFlagsAt(B));
        Assert.Contains("lo ", h.VmFlagsAt(B + 8 * P));
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mlock(B, 3 * P).Is("0");
        s.Mremap(B + P, P, P, MoveKeep, B + 8 * P).Is(B + 8 * P);
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p"), L(8, 9, "rw-p")), s.Maps());
        Assert.Contains("lo ", s.VmFlagsAt(B));
        Assert.DoesNotContain("lo ", s.VmFlagsAt(B + P));
    }

    [Fact] // move_vma: vrm_stat_account counts the locked copy, and dontunmap_complete unlocks the source without uncounting it
    public void DontUnmap_of_a_locked_vma_leaves_its_pages_in_locked_vm()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW);
            s.Mlock(B, 3 * P).Is("0");
            s.Mremap(B + P, P, P, MoveKeep, B + 8 * P).Is(B + 8 * P);
            s.SetCreds(4 * P, capIpcLock: false).Is("0");
            s.Mmap(B + 4 * P, P, RW);
            // 6.12: locked_vm is 3 pages (two kept locked, the copy), so a fourth fits RLIMIT_MEMLOCK; 6.18: 4 already.
            s.Mlock(B + 4 * P, P).Is(s.Model.Profile.Mremap612 ? "0" : "-ENOMEM");
            s.Munlock(B + 8 * P, P).Is("0");
            s.Mlock(B + 4 * P, P).Is("0");
        }
    }

    [Fact] // copy_vma: without 6.12's keep_source, an unfaulted source's copy placed just after it merges back into it
    public void DontUnmap_copy_of_an_unfaulted_vma_next_to_it_merges_with_it()
    {
        var h = On618();
        h.Mmap(B, 2 * P, RW);
        h.Mremap(B, P, P, MoveKeep, B + 2 * P).Is(B + 2 * P);
        Assert.Equal(L(0, 3, "rw-p"), h.Maps());
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mremap(B, P, P, MoveKeep, B + 2 * P).Is(B + 2 * P);
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
    }

    [Fact] // remap_move: the iterator resumes after the VMA as found and stops past the range, so the merged source is not moved again
    public void A_fixed_dontunmap_copy_that_merges_into_its_source_is_made_once()
    {
        var h = On618();
        h.Mmap(B, 2 * P, RW);
        h.Mremap(B + P, P, P, MoveKeep | Remap.Fixed, B + 2 * P).Is(B + 2 * P);
        Assert.Equal(L(0, 3, "rw-p"), h.Maps());
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mremap(B + P, P, P, MoveKeep | Remap.Fixed, B + 2 * P).Is(B + 2 * P);
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
    }
}
