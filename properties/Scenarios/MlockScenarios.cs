using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>mlock family scenarios (mm/mlock.c: do_mlock, apply_vma_lock_flags, mlock_fixup, apply_mlockall_flags).</summary>
public class MlockScenarios
{
    [Fact] // §17-22, §14-1; observed on both kernels (§16a): three lines on 6.12 after munlock, one on 6.18
    public void S22_mlock_one_page_then_munlock()
    {
        foreach (var (s, after) in new[] { (On612(), Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 4, "rw-p"))), (On618(), L(0, 4, "rw-p")) })
        {
            s.Mmap(B, 4 * P, RW);
            s.Mlock(B + P, P).Is("0");
            Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 4, "rw-p")), s.Maps());
            Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + P));
            var c = s.Block(B + P).Counters;
            Assert.Equal((4UL, 4UL, 4UL), (c.Rss, c.Locked, c.Anonymous));
            Assert.Equal(0UL, s.Block(B).Counters.Rss);
            s.Munlock(B + P, P).Is("0");
            Assert.Equal(after, s.Maps());
        }
    }

    [Fact] // §17-23, §6.1 steps 5-6: the hole stops the walk; the flagged part has lo but is not populated
    public void S23_mlock_over_hole()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Mmap(B + 5 * P, P, RW);
        s.Mlock(B + 3 * P, 3 * P).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 3, "rw-p"), L(3, 4, "rw-p"), L(5, 6, "rw-p")), s.Maps());
        Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + 3 * P));
        Assert.Equal(0UL, s.Block(B + 3 * P).Counters.Rss);
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + 5 * P));
        Assert.Equal(1UL, s.Proc().LockedVm);
    }

    [Fact] // §17-24: munlock over the same hole merges the unfaulted piece back, then fails
    public void S24_munlock_over_hole()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Mmap(B + 5 * P, P, RW);
        s.Mlock(B + 3 * P, 3 * P);
        s.Munlock(B, 6 * P).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 4, "rw-p"), L(5, 6, "rw-p")), s.Maps());
        Assert.Equal(0UL, s.Proc().LockedVm);
    }

    [Fact] // §17-25, §6.1 step 1
    public void S25_mlock2_onfault()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Mlock2(B, 2 * P, 2).Is("-EINVAL");
        s.Mlock2(B, 2 * P, Mlock.OnFault).Is("0");
        Assert.Equal("rd wr mr mw me lo lf ac ", s.VmFlagsAt(B));
        Assert.Equal(0UL, s.Block(B).Counters.Rss);
        s.Write(B);
        Assert.Equal((4UL, 4UL), (s.Block(B).Counters.Rss, s.Block(B).Counters.Locked));
    }

    [Fact] // §17-26, §6.1 step 3: no alignment error; the start is rounded down and the length up
    public void S26_mlock_rounding()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mlock(B, 0).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
        s.Mlock(B + P + 1, 0).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
        Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + P));
    }

    [Fact] // §17-27, §6.1 step 7; observed on 6.18 (§16a): ENOMEM and lo set on PROT_NONE
    public void S27_mlock_prot_none()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, NONE);
            s.Mlock(B, 2 * P).Is("-ENOMEM");
            Assert.Equal(L(0, 2, "---p"), s.Maps());
            Assert.Equal("mr mw me lo ", s.VmFlagsAt(B));
        }
    }

    [Fact] // §17-28, §6.4: the zero page on 6.12 (Rss 0); real clean pages on the 6.18 host
    public void S28_mlock_read_only()
    {
        foreach (var (s, rss) in new[] { (On612(), 0UL), (On618(), 8UL) })
        {
            s.Mmap(B, 2 * P, R);
            s.Mlock(B, 2 * P).Is("0");
            Assert.Equal("rd mr mw me lo ", s.VmFlagsAt(B));
            var c = s.Block(B).Counters;
            Assert.Equal((rss, rss, rss), (c.Rss, c.PrivateClean, c.Locked));
        }
    }

    [Fact] // §17-29: shared anonymous pages are shmem: Rss but not Anonymous, clean
    public void S29_mlock_shared_anon()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF);
        s.Mlock(B, 2 * P).Is("0");
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 0UL, 8UL), (c.Rss, c.PrivateClean, c.Anonymous, c.Locked));
    }

    [Fact] // §17-30, §2.1 steps 14-15, §6.1 steps 2 and 4
    public void S30_memlock_limits_without_cap_ipc_lock()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.SetCreds(0, capIpcLock: false);
        s.Mlock(B, P).Is("-EPERM");
        s.Mmap(B + 4 * P, P, RW, F | Map.Locked).Is("-EPERM");
        s.SetCreds(P, capIpcLock: false);
        s.Mlock(B, 2 * P).Is("-ENOMEM");
        s.Mmap(B + 4 * P, 2 * P, RW, F | Map.Locked).Is("-EAGAIN");
        s.Mlock(B, P).Is("0");
        s.Mlock(B, P).Is("0"); // already-locked pages are not counted twice
    }

    [Fact] // §17-31, §6.3
    public void S31_mlockall_and_munlockall()
    {
        var s = On612();
        s.Mlockall(Mlock.McOnFault).Is("-EINVAL");
        s.Mlockall(0).Is("-EINVAL");
        s.Mmap(B, 2 * P, RW);
        s.Mlock(B, P);
        s.Mmap(B + 3 * P, P, NONE);
        s.Mlockall(Mlock.McCurrent | Mlock.McFuture).Is("0");
        Assert.Equal(L(0, 2, "rw-p") + L(3, 4, "---p"), s.Maps()); // the unlocked half merged into the locked one
        Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + P));
        Assert.Equal(8UL, s.Block(B + P).Counters.Rss);
        Assert.Equal("mr mw me lo ", s.VmFlagsAt(B + 3 * P));
        s.Mmap(B + 5 * P, P, RW).Is(B + 5 * P);
        Assert.Equal(("rd wr mr mw me lo ac ", 4UL), (s.VmFlagsAt(B + 5 * P), s.Block(B + 5 * P).Counters.Rss));
        s.Munlockall().Is("0");
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(3, 4, "---p"), L(5, 6, "rw-p")), s.Maps());
        Assert.Equal(0UL, s.Proc().LockedVm);
        s.Mmap(B + 7 * P, P, RW);
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + 7 * P));
    }

    [Fact] // §6.3: a second mlockall(MCL_CURRENT) cancels an earlier MCL_FUTURE
    public void Mlockall_current_cancels_future()
    {
        var s = On612();
        s.Mlockall(Mlock.McFuture).Is("0");
        s.Mlockall(Mlock.McCurrent).Is("0");
        s.Mmap(B, P, RW);
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B));
    }

    [Fact] // §6.1 step 5: no VMA contains the start
    public void Mlock_start_in_hole_is_ENOMEM_and_changes_nothing()
    {
        var s = On612();
        s.Mmap(B + P, P, RW);
        s.Mlock(B, 2 * P).Is("-ENOMEM");
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + P));
    }

    [Fact] // §6.1 step 5: a length that wraps is EINVAL for root (the limit check is skipped with CAP_IPC_LOCK)
    public void Mlock_wrapping_length_is_EINVAL_for_root()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mlock(B, ulong.MaxValue - B).Is("-EINVAL");
    }

    [Fact] // §5 mprotect_fixup: a locked read-only private VMA made writable is populated with write faults
    public void Mprotect_locked_ro_to_rw_populates()
    {
        var s = On612();
        s.Mmap(B, 2 * P, R);
        s.Mlock(B, 2 * P);
        s.Mprotect(B, 2 * P, RW).Is("0");
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 8UL), (c.Rss, c.PrivateDirty, c.Locked));
    }

    [Fact] // §2.1 step 20: MAP_LOCKED adds lo, counts locked_vm and populates
    public void Map_locked_populates()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, F | Map.Locked).Is(B);
        Assert.Equal(("rd wr mr mw me lo ac ", 8UL), (s.VmFlagsAt(B), s.Block(B).Counters.Locked));
        Assert.Equal(2UL, s.Proc().LockedVm);
        s.Munmap(B, P).Is("0");
        Assert.Equal(1UL, s.Proc().LockedVm);
    }
}
