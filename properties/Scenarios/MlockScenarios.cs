using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>mlock family scenarios (mm/mlock.c: do_mlock, apply_vma_lock_flags, mlock_fixup, apply_mlockall_flags).</summary>
public class MlockScenarios
{
    [Fact] // mm/vma.c:is_mergeable_anon_vma (6.12): the faulted middle cannot merge into unfaulted neighbours, whose empty
    // anon_vma_chain is not singular (docs/MERGING.md); observed on both kernels: three lines on 6.12 after munlock, one on 6.18
    public void Munlocked_faulted_page_stays_apart_on_6_12_merges_on_6_18()
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

    [Fact] // mm/mlock.c:apply_vma_lock_flags: the hole stops the walk with ENOMEM after the part before it was flagged;
    // do_mlock then returns without __mm_populate, so the flagged part has lo but is not populated
    public void Mlock_over_a_hole_flags_without_populating()
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

    [Fact] // mm/mlock.c:apply_vma_lock_flags (munlock): mlock_fixup merges the unfaulted piece back, then the hole gives ENOMEM
    public void Munlock_over_a_hole_merges_then_fails()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Mmap(B + 5 * P, P, RW);
        s.Mlock(B + 3 * P, 3 * P);
        s.Munlock(B, 6 * P).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 4, "rw-p"), L(5, 6, "rw-p")), s.Maps());
        Assert.Equal(0UL, s.Proc().LockedVm);
    }

    [Fact] // mm/mlock.c:mlock2 rejects flags other than MLOCK_ONFAULT first; mm/gup.c:populate_vma_page_range skips a
    // VM_LOCKONFAULT VMA, so its pages come (locked) only with faults
    public void Mlock2_onfault_locks_without_populating()
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

    [Fact] // mm/mlock.c:do_mlock: no alignment error; the start is rounded down and the length (plus the start's offset) up
    public void Mlock_rounds_start_down_and_length_up()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Mlock(B, 0).Is("0");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
        s.Mlock(B + P + 1, 0).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p")), s.Maps());
        Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + P));
    }

    [Fact] // mm/gup.c:populate_vma_page_range: PROT_NONE is EFAULT, which do_mlock turns into ENOMEM (__mlock_posix_error_return)
    // after apply_vma_lock_flags set lo; observed on 6.18: ENOMEM and lo set on PROT_NONE
    public void Mlock_on_prot_none_sets_lo_and_is_ENOMEM()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, NONE);
            s.Mlock(B, 2 * P).Is("-ENOMEM");
            Assert.Equal(L(0, 2, "---p"), s.Maps());
            Assert.Equal("mr mw me lo ", s.VmFlagsAt(B));
        }
    }

    [Fact] // mm/gup.c:populate_vma_page_range read-faults a read-only VMA; mm/memory.c:do_anonymous_page maps the zero page on
    // 6.12 (Rss 0); real clean pages on the 6.18 host
    public void Mlock_read_only_maps_zero_page_on_6_12_real_pages_on_6_18()
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

    [Fact] // mm/gup.c:populate_vma_page_range read-faults a shared VMA; its pages are shmem (mm/shmem.c:shmem_fault): Rss but not
    // Anonymous, clean
    public void Mlock_shared_anon_counts_shmem_pages_not_anonymous()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF);
        s.Mlock(B, 2 * P).Is("0");
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 0UL, 8UL), (c.Rss, c.PrivateClean, c.Anonymous, c.Locked));
    }

    [Fact] // mm/mlock.c:can_do_mlock (EPERM from do_mlock and from mm/mmap.c:do_mmap for MAP_LOCKED), do_mlock's RLIMIT_MEMLOCK
    // check after count_mm_mlocked_page_nr (ENOMEM), mm/mmap.c:mlock_future_ok (EAGAIN for MAP_LOCKED)
    public void Memlock_limits_without_cap_ipc_lock()
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

    [Fact] // mm/mlock.c:mlockall and apply_mlockall_flags: MCL_CURRENT locks every VMA through mlock_fixup, merging it with the
    // previous one, and populates with errors ignored (so PROT_NONE gets lo without an error); MCL_FUTURE sets def_flags;
    // munlockall clears both
    public void Mlockall_locks_every_vma_and_munlockall_merges_back()
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

    [Fact] // mm/mlock.c:apply_mlockall_flags clears def_flags first: a second mlockall(MCL_CURRENT) cancels an earlier MCL_FUTURE
    public void Mlockall_current_cancels_future()
    {
        var s = On612();
        s.Mlockall(Mlock.McFuture).Is("0");
        s.Mlockall(Mlock.McCurrent).Is("0");
        s.Mmap(B, P, RW);
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B));
    }

    [Fact] // mm/mlock.c:apply_vma_lock_flags: no VMA contains the start, ENOMEM before anything changes
    public void Mlock_start_in_hole_is_ENOMEM_and_changes_nothing()
    {
        var s = On612();
        s.Mmap(B + P, P, RW);
        s.Mlock(B, 2 * P).Is("-ENOMEM");
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + P));
    }

    [Fact] // mm/mlock.c:apply_vma_lock_flags: an end that wraps is EINVAL; root gets there because do_mlock skips the limit check
    // with CAP_IPC_LOCK
    public void Mlock_wrapping_length_is_EINVAL_for_root()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mlock(B, ulong.MaxValue - B).Is("-EINVAL");
    }

    [Fact] // mm/mprotect.c:mprotect_fixup: a locked read-only private VMA made writable is populated with write faults
    public void Mprotect_locked_ro_to_rw_populates()
    {
        var s = On612();
        s.Mmap(B, 2 * P, R);
        s.Mlock(B, 2 * P);
        s.Mprotect(B, 2 * P, RW).Is("0");
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 8UL), (c.Rss, c.PrivateDirty, c.Locked));
    }

    [Fact] // mm/mmap.c:do_mmap turns MAP_LOCKED into lo, __mmap_region counts locked_vm, mm/util.c:vm_mmap_pgoff populates
    public void Map_locked_populates()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, F | Map.Locked).Is(B);
        Assert.Equal(("rd wr mr mw me lo ac ", 8UL), (s.VmFlagsAt(B), s.Block(B).Counters.Locked));
        Assert.Equal(2UL, s.Proc().LockedVm);
        s.Munmap(B, P).Is("0");
        Assert.Equal(1UL, s.Proc().LockedVm);
    }

    [Fact] // do_prlimit: raising RLIMIT_MEMLOCK's hard limit needs CAP_SYS_RESOURCE (the guest's init has it; this host's processes do not)
    public void Raising_the_memlock_hard_limit_needs_cap_sys_resource()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.SetCreds(P, capIpcLock: true).Is("0"); // lowering needs nothing
            s.SetCreds(2 * P, capIpcLock: false).Is(s.Model.Profile.CapSysResource ? "0" : "-EPERM");
            s.Mmap(B, 2 * P, RW);
            // On EPERM nothing changed: the limit is one page and CAP_IPC_LOCK is kept, so the mlock succeeds all the same.
            s.Mlock(B, 2 * P).Is("0");
        }
    }
}
