using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>mprotect and madvise scenarios (mm/mprotect.c:do_mprotect_pkey, mprotect_fixup; mm/madvise.c:madvise_vma_behavior).</summary>
public class MprotectScenarios
{
    [Fact] // mm/mprotect.c:mprotect_fixup: a private anonymous VMA without an anon_vma made read-only loses ac
    public void Mprotect_middle_read_only_splits_and_drops_ac()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, R).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "r--p"), L(2, 3, "rw-p")), s.Maps());
        Assert.Equal("rd mr mw me ", s.VmFlagsAt(B + P));
    }

    [Fact] // mm/mprotect.c:mprotect_fixup: ac comes back with write, so mm/vma.c:vma_merge_existing_range merges the three pieces
    public void Mprotect_back_merges()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, R);
        s.Mprotect(B + P, P, RW).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/mprotect.c:mprotect_fixup: with an anon_vma the read-only piece keeps ac
    public void Faulted_keeps_ac()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Write(B).Is("0");
        s.Mprotect(B + P, P, R);
        Assert.Equal("rd mr mw me ac ", s.VmFlagsAt(B + P));
        s.Mprotect(B + P, P, RW);
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/vma.c:is_mergeable_vma: a faulted read-only VMA (ac) and a fresh read-only mapping (no ac) stay apart
    public void Ac_difference_blocks_merge()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Write(B);
        s.Mprotect(B, 2 * P, R);
        s.Mmap(B + 2 * P, P, R);
        Assert.Equal(Lines(L(0, 2, "r--p"), L(2, 3, "r--p")), s.Maps());
    }

    [Fact] // mm/mprotect.c:do_mprotect_pkey: a hole stops the walk with ENOMEM; what came before it stays changed
    public void Mprotect_hole_after_first_vma()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mmap(B + 3 * P, P, RW);
        s.Mprotect(B, 8 * P, R).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 2, "r--p"), L(3, 4, "rw-p")), s.Maps());
    }

    [Fact] // mm/mprotect.c:do_mprotect_pkey: GROWSDOWN with GROWSUP, alignment, len 0, wrap, arch_validate_prot, then no VMA at the
    // start (ENOMEM) and PROT_GROWSDOWN on a VMA without VM_GROWSDOWN (EINVAL)
    public void Mprotect_argument_errors()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mprotect(B + 2 * P, 2 * P, R).Is("-ENOMEM");
        s.Mprotect(B, 0, R).Is("0");
        s.Mprotect(B + 1, P, R).Is("-EINVAL");
        s.Mprotect(B, ulong.MaxValue, R).Is("-ENOMEM");
        s.Mprotect(B, P, 0x10).Is("-EINVAL");
        s.Mprotect(B, P, R | Prot.GrowsDown | Prot.GrowsUp).Is("-EINVAL");
        s.Mprotect(B, P, R | Prot.GrowsDown).Is("-EINVAL"); // not a VM_GROWSDOWN VMA
        Assert.Equal(L(0, 2, "rw-p"), s.Maps());
    }

    [Fact] // mm/mprotect.c:do_mprotect_pkey: PROT_WRITE alone gives VM_WRITE without VM_READ, shown as -w-p
    public void Mprotect_write_only()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mprotect(B, P, Prot.Write).Is("0");
        Assert.Equal(L(0, 1, "-w-p"), s.Maps());
        Assert.Equal("wr mr mw me ac ", s.VmFlagsAt(B));
    }

    [Fact] // mm/vma.c:find_mergeable_anon_vma: pieces faulted separately get different anon_vmas (the middle has none to lend);
    // can_vma_merge_right's are_anon_vmas_compatible refuses the three-way merge, so only the left merge happens
    public void Separately_faulted_pieces_merge_only_on_the_left()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW);
            s.Mprotect(B + P, P, R);
            s.Write(B);
            s.Write(B + 2 * P);
            s.Mprotect(B + P, P, RW).Is("0");
            Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
        }
    }

    [Fact] // mm/vma.c:is_mergeable_anon_vma (6.12): the faulted page cannot merge into its unfaulted neighbour (docs/MERGING.md);
    // observed on both kernels: two lines on 6.12, one on 6.18
    public void Dontdump_fault_dodump_stays_apart_on_6_12_merges_on_6_18()
    {
        foreach (var (s, expected) in new[] { (On612(), Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"))), (On618(), L(0, 2, "rw-p")) })
        {
            s.Mmap(B, 2 * P, RW);
            s.Madvise(B + P, P, Madv.DontDump).Is("0");
            s.Write(B + P);
            s.Madvise(B + P, P, Madv.DoDump).Is("0");
            Assert.Equal(expected, s.Maps());
        }
    }

    [Fact] // mm/vma.c:find_mergeable_anon_vma: flags differing only in R/W/X (anon_vma_compatible) let the second fault reuse the anon_vma
    public void Anon_vma_reuse_across_rwx()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mprotect(B + P, P, RWX);
        s.Write(B);
        s.Write(B + P);
        s.Mprotect(B + P, P, RW).Is("0");
        Assert.Equal(L(0, 2, "rw-p"), s.Maps());
    }

    [Fact] // mm/madvise.c:do_madvise errors, and madvise_walk_vmas' hole rule (applied to the mapped parts, ENOMEM at the end)
    public void Madvise_errors_and_holes()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mmap(B + 3 * P, P, RW);
        s.Madvise(B, P, 12345).Is("-EINVAL");
        s.Madvise(B + 1, P, Madv.DontFork).Is("-EINVAL");
        s.Madvise(B, ulong.MaxValue, Madv.DontFork).Is("-EINVAL");
        s.Madvise(B, 0, Madv.DontFork).Is("0");
        s.Madvise(B, 4 * P, Madv.DontDump).Is("-ENOMEM");
        Assert.Equal("rd wr mr mw me ac dd ", s.VmFlagsAt(B));
        Assert.Equal("rd wr mr mw me ac dd ", s.VmFlagsAt(B + 3 * P));
        s.Madvise(B + 8 * P, P, Madv.DontDump).Is("-ENOMEM"); // nothing at or after it
    }

    [Fact] // mm/madvise.c:madvise_vma_behavior: WIPEONFORK is EINVAL with a file or VM_SHARED: for private anonymous memory only
    public void Wipeonfork_on_shared_is_EINVAL()
    {
        var s = On612();
        s.Mmap(B, P, RW, SharedF);
        s.Madvise(B, P, Madv.WipeOnFork).Is("-EINVAL");
        s.Mmap(B + P, P, RW);
        s.Madvise(B + P, P, Madv.WipeOnFork).Is("0");
        Assert.Equal("rd wr mr mw me ac wf ", s.VmFlagsAt(B + P));
        s.Madvise(B + P, P, Madv.KeepOnFork).Is("0");
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + P));
    }

    [Fact] // mm/mprotect.c:mprotect_fixup, mm/madvise.c:madvise_update_vma, mm/mlock.c:mlock_fixup: an operation that changes
    // nothing returns before vma_modify, so it does not split
    public void Noop_does_not_split()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, RW).Is("0");
        s.Madvise(B + P, P, Madv.DoFork).Is("0");
        s.Munlock(B + P, P).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/madvise.c:madvise_vma_behavior → madvise_update_vma → mm/vma.c:vma_modify: DONTFORK then DOFORK splits and merges back
    public void Dontfork_dofork_round_trip()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Madvise(B + P, P, Madv.DontFork).Is("0");
        Assert.Equal("rd wr mr mw me dc ac ", s.VmFlagsAt(B + P));
        Assert.Equal(3, s.Proc().Vmas.Count);
        s.Madvise(B + P, P, Madv.DoFork).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/vma.c:split_vma refuses at vm.max_map_count with ENOMEM, which mm/madvise.c:madvise_vma_behavior reports as EAGAIN
    public void Madvise_split_at_map_count_is_EAGAIN()
    {
        var s = new Scenario(AnonVma.Model.KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Madvise(B + P, P, Madv.DontDump).Is("-EAGAIN");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }
}
