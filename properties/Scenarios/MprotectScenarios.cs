using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>mprotect and madvise scenarios (mm/mprotect.c:do_mprotect_pkey, mprotect_fixup; mm/madvise.c:madvise_vma_behavior).</summary>
public class MprotectScenarios
{
    [Fact] // §17-12, §5 VM_ACCOUNT rules: an unfaulted private VMA made read-only loses ac
    public void S12_mprotect_middle_read_only_splits_and_drops_ac()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, R).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "r--p"), L(2, 3, "rw-p")), s.Maps());
        Assert.Equal("rd mr mw me ", s.VmFlagsAt(B + P));
    }

    [Fact] // §17-13: ac comes back with write, so the three pieces merge
    public void S13_mprotect_back_merges()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, R);
        s.Mprotect(B + P, P, RW).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // §17-14: with an anon_vma the read-only piece keeps ac
    public void S14_faulted_keeps_ac()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Write(B).Is("0");
        s.Mprotect(B + P, P, R);
        Assert.Equal("rd mr mw me ac ", s.VmFlagsAt(B + P));
        s.Mprotect(B + P, P, RW);
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // §17-15: a faulted read-only VMA (ac) and a fresh read-only mapping (no ac) stay apart
    public void S15_ac_difference_blocks_merge()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Write(B);
        s.Mprotect(B, 2 * P, R);
        s.Mmap(B + 2 * P, P, R);
        Assert.Equal(Lines(L(0, 2, "r--p"), L(2, 3, "r--p")), s.Maps());
    }

    [Fact] // §17-16, §5 step 8: a hole stops the walk; what came before it stays changed
    public void S16_hole_after_first_vma()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mmap(B + 3 * P, P, RW);
        s.Mprotect(B, 8 * P, R).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 2, "r--p"), L(3, 4, "rw-p")), s.Maps());
    }

    [Fact] // §17-17, §5 steps 1-7
    public void S17_mprotect_argument_errors()
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

    [Fact] // §17-18
    public void S18_write_only()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mprotect(B, P, Prot.Write).Is("0");
        Assert.Equal(L(0, 1, "-w-p"), s.Maps());
        Assert.Equal("wr mr mw me ac ", s.VmFlagsAt(B));
    }

    [Fact] // §17-19, §7: pieces faulted separately get different anon_vmas; only the left merge happens
    public void S19_separately_faulted_pieces()
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

    [Fact] // §17-20, §14-1; observed on both kernels (§16a): two lines on 6.12, one on 6.18
    public void S20_dontdump_fault_dodump()
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

    [Fact] // §17-21, §7: flags differing only in R/W/X let the second fault reuse the anon_vma
    public void S21_anon_vma_reuse_across_rwx()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mprotect(B + P, P, RWX);
        s.Write(B);
        s.Write(B + P);
        s.Mprotect(B + P, P, RW).Is("0");
        Assert.Equal(L(0, 2, "rw-p"), s.Maps());
    }

    [Fact] // §9: madvise errors and the hole rule (applied to the mapped parts, ENOMEM at the end)
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

    [Fact] // §9: WIPEONFORK is for private anonymous memory only
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

    [Fact] // §3.3: an operation that changes nothing does not split
    public void Noop_does_not_split()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, RW).Is("0");
        s.Madvise(B + P, P, Madv.DoFork).Is("0");
        s.Munlock(B + P, P).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // §9 and §3.3: DONTFORK then DOFORK splits and merges back
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

    [Fact] // §3.3 step 5 / §9: a split refused at max_map_count is EAGAIN from madvise
    public void Madvise_split_at_map_count_is_EAGAIN()
    {
        var s = new Scenario(AnonVma.Model.KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Madvise(B + P, P, Madv.DontDump).Is("-EAGAIN");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }
}
