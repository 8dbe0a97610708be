using AnonVma.Model;
using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// The errno walk (docs/ERRNO-WALK.md): one scenario per kernel return that no other scenario pinned, named for the
/// rule, each citing the function whose check it follows. Ordering checks put two failing conditions in one call.
/// Scenarios on a profile with a small max_map_count are model-only (no kernel has that setting).
/// </summary>
public class ErrnoScenarios
{
    const int FixedAnon = Map.Private | Map.Anonymous | Map.Fixed;
    const int DroppableF = Map.Droppable | Map.Anonymous | Map.FixedNoReplace;

    static IEnumerable<Scenario> Both() => [On612(), On618()];

    // ---- memfd and file creation: do_sys_ftruncate ------------------------------------------------------------------

    [Fact] // do_sys_ftruncate: a size that is negative as a loff_t is EINVAL; the handle stays unusable (EBADF when mapped)
    public void Memfd_or_file_with_negative_size_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Memfd(1UL << 63).Is("-EINVAL");
            s.File(ulong.MaxValue).Is("-EINVAL");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 0).Is("-EBADF");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 1).Is("-EBADF");
            s.Memfd(P).Is("h2");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 2).Is(B);
        }
    }

    // ---- mmap: ksys_mmap_pgoff ------------------------------------------------------------------------------------

    [Fact] // ksys_mmap_pgoff: fget comes first (EBADF); a file that is not hugetlbfs refuses MAP_HUGETLB (EINVAL)
    public void Mmap_hugetlb_on_a_file_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Memfd(P);
            s.Mmap(B, P, RW, Map.Private | Map.FixedNoReplace | Map.HugeTlb).Is("-EBADF");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace | Map.HugeTlb, handle: 0).Is("-EINVAL");
            s.Mmap(B, 0, RW, Map.Shared | Map.FixedNoReplace | Map.HugeTlb, handle: 0).Is("-EINVAL");
            Assert.Equal("", s.Maps());
        }
    }

    [Fact] // ksys_mmap_pgoff: without CONFIG_HUGETLB_PAGE hstate_sizelog is NULL, before any do_mmap check (here EEXIST)
    public void Mmap_anonymous_hugetlb_without_hugetlb_pages_is_EINVAL()
    {
        var s = On612();
        s.Mmap(B, P, RW).Is(B);
        s.Mmap(B, P, RW, F | Map.HugeTlb).Is("-EINVAL");
        s.Mmap(B + P, P, RW, F | Map.HugeTlb).Is("-EINVAL");
        Assert.Equal(L(0, 1, "rw-p"), s.Maps());
    }

    // ---- mmap: __get_unmapped_area ------------------------------------------------------------------------------------

    [Fact] // __get_unmapped_area: a length above TASK_SIZE is ENOMEM (the same test opens arch_get_unmapped_area_topdown)
    public void Mmap_length_above_task_size_is_ENOMEM()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, 1UL << 47, RW).Is("-ENOMEM");
            s.Mmap(B, 1UL << 47, RW, FixedAnon).Is("-ENOMEM");
            s.Mmap(B, Mem.TaskSize + 1, RW, F).Is("-ENOMEM"); // rounds up to TASK_SIZE + PAGE_SIZE
        }
    }

    [Fact] // __get_unmapped_area: an end above TASK_SIZE is ENOMEM, tested before the alignment of a MAP_FIXED address
    public void Mmap_fixed_end_above_task_size_is_ENOMEM_before_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Mmap(Mem.TaskSize - P, 2 * P, RW, FixedAnon).Is("-ENOMEM");
            s.Mmap(Mem.TaskSize - P + 1, 2 * P, RW, FixedAnon).Is("-ENOMEM");
        }
    }

    // ---- mmap: do_mmap, file mappings ---------------------------------------------------------------------------------

    [Fact] // do_mmap -> file_mmap_ok: a memfd is S_ISREG, so offset + length must stay below MAX_LFS_FILESIZE; anon ignores it
    public void Mmap_file_offset_beyond_max_file_size_is_EOVERFLOW()
    {
        foreach (var s in Both())
        {
            s.Memfd(P);
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 0, off: 0x7ffffffffffff000).Is("-EOVERFLOW");
            s.Mmap(B, 2 * P, RW, Map.Private | Map.FixedNoReplace, handle: 0, off: 0x7fffffffffffe000).Is("-EOVERFLOW");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 0, off: 0x7fffffffffffe000).Is(B); // ends exactly there
            s.Mmap(B + 2 * P, P, RW, F, off: 0x7ffffffffffff000).Is(B + 2 * P);
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 0, off: 0x7ffffffffffff000).Is("-EEXIST"); // EEXIST first
        }
    }

    [Fact] // do_mmap: MAP_SHARED_VALIDATE refuses flags outside LEGACY_MAP_MASK (MAP_FIXED_NOREPLACE, MAP_SYNC on shmem)
    public void Mmap_shared_validate_unknown_flag_is_EOPNOTSUPP()
    {
        foreach (var s in Both())
        {
            s.Memfd(4 * P);
            s.Mmap(B, P, RW, Map.SharedValidate | Map.FixedNoReplace, handle: 0).Is("-EOPNOTSUPP");
            s.Mmap(B, P, RW, Map.SharedValidate | Map.Fixed | Map.Sync, handle: 0).Is("-EOPNOTSUPP");
            s.Mmap(B, P, RW, Map.SharedValidate | Map.Fixed, handle: 0).Is(B);
            s.Mmap(B + 2 * P, P, RW, Map.Shared | Map.FixedNoReplace | 0x200000, handle: 0).Is(B + 2 * P); // MAP_SHARED drops it
            Assert.Equal(2, s.Proc().Vmas.Count);
        }
    }

    [Fact] // do_mmap: every file type ends in the MAP_PRIVATE checks, where VM_GROWSDOWN is EINVAL; an unknown type is EINVAL
    public void Mmap_file_growsdown_or_bad_type_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Memfd(P);
            s.Mmap(B, P, RW, Map.Private | Map.FixedNoReplace | Map.GrowsDown, handle: 0).Is("-EINVAL");
            s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace | Map.GrowsDown, handle: 0).Is("-EINVAL");
            s.Mmap(B, P, RW, Map.FixedNoReplace, handle: 0).Is("-EINVAL");
            s.Mmap(B, P, RW, Map.Droppable | Map.FixedNoReplace, handle: 0).Is("-EINVAL");
            Assert.Equal("", s.Maps());
        }
    }

    // ---- mmap: MAP_DROPPABLE ------------------------------------------------------------------------------------------

    [Fact] // do_mmap: MAP_DROPPABLE (VM_DROPPABLE exists on 64-bit) is private anon + nr wf dd dp; madvise refuses undoing wf/dd
    public void Mmap_droppable_is_a_mapping_that_keeps_wipeonfork_and_dontdump()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, 2 * P, RW, DroppableF).Is(B);
            Assert.Equal(L(0, 2, "rw-p"), s.Maps());
            Assert.Equal("rd wr mr mw me nr wf dd dp ", s.VmFlagsAt(B));
            s.Madvise(B, P, Madv.KeepOnFork).Is("-EINVAL"); // madvise_vma_behavior
            s.Madvise(B, P, Madv.DoDump).Is("-EINVAL");     // madvise_vma_behavior
            s.Madvise(B, P, Madv.DontFork).Is("0");
            s.Madvise(B, P, Madv.DoFork).Is("0");
            s.Write(B).Is("0");
            s.Fork();
            Assert.Equal(0UL, s.Block(B, 1).Counters.Rss); // VM_WIPEONFORK: the child starts empty
            s.Mmap(B + 2 * P, P, RW, DroppableF).Is(B + 2 * P); // merges with its own kind
            Assert.Equal(L(0, 3, "rw-p"), s.Maps());
        }
    }

    [Fact] // do_mmap: a droppable mapping may not be MAP_LOCKED, nor grow down (EINVAL, after EEXIST)
    public void Mmap_droppable_locked_or_growsdown_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, P, RW, DroppableF | Map.Locked).Is("-EINVAL");
            s.Mmap(B, P, RW, DroppableF | Map.GrowsDown).Is("-EINVAL");
            s.Mmap(B, P, RW, F).Is(B);
            s.Mmap(B, P, RW, DroppableF | Map.Locked).Is("-EEXIST");
            Assert.Equal(L(0, 1, "rw-p"), s.Maps());
        }
        var t = On612();
        t.Mmap(B, P, RW, DroppableF | Map.HugeTlb).Is("-EINVAL"); // refused earlier here, by ksys_mmap_pgoff
    }

    [Fact] // __mmap_region -> vma_supports_mlock: a droppable VMA under mlockall(MCL_FUTURE) loses the lock flags, not the populate
    public void Mmap_droppable_under_mlockall_future_is_not_locked()
    {
        foreach (var s in Both())
        {
            s.Mlockall(Mlock.McFuture).Is("0");
            s.Mmap(B, 2 * P, RW, DroppableF).Is(B);
            Assert.Equal("rd wr mr mw me nr wf dd dp ", s.VmFlagsAt(B));
            Assert.Equal((8UL, 0UL), (s.Block(B).Counters.Rss, s.Block(B).Counters.Locked));
            Assert.Equal(0UL, s.Proc().LockedVm);
            s.Mlock(B, 2 * P).Is("0"); // mlock_fixup skips it
            Assert.Equal("rd wr mr mw me nr wf dd dp ", s.VmFlagsAt(B));
        }
    }

    // ---- mmap: __mmap_region ------------------------------------------------------------------------------------------

    [Fact] // __mmap_region -> vms_gather_munmap_vmas: MAP_FIXED splitting a VMA at max_map_count is ENOMEM (model-only)
    public void Mmap_fixed_split_at_max_map_count_is_ENOMEM()
    {
        var s = new Scenario(KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Mmap(B + P, P, R, FixedAnon).Is("-ENOMEM");
        s.Mmap(B + 2 * P, P, R, FixedAnon).Is(B + 2 * P); // replacing the tail needs no new VMA
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "r--p")), s.Maps());
    }

    // ---- munmap: do_vmi_munmap ----------------------------------------------------------------------------------------

    [Fact] // do_vmi_munmap: a start above TASK_SIZE is EINVAL
    public void Munmap_start_above_task_size_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Munmap(Mem.TaskSize + P, P).Is("-EINVAL");
            s.Munmap(Mem.TaskSize, 0).Is("-EINVAL");
            s.Munmap(Mem.TaskSize, P).Is("-EINVAL"); // len > TASK_SIZE - start
        }
    }

    // ---- mprotect: do_mprotect_pkey, mprotect_fixup -----------------------------------------------------------------

    [Fact] // do_mprotect_pkey: x86 has no VM_GROWSUP, so PROT_GROWSUP is EINVAL once a VMA covers the start (ENOMEM before)
    public void Mprotect_growsup_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Mmap(B + P, 2 * P, RW);
            s.Mprotect(B, 2 * P, R | Prot.GrowsUp).Is("-ENOMEM");
            s.Mprotect(B + P, P, R | Prot.GrowsUp).Is("-EINVAL");
            s.Mmap(B + 4 * P, P, RW, F | Map.GrowsDown);
            s.Mprotect(B + 4 * P, P, R | Prot.GrowsUp).Is("-EINVAL");
            Assert.Equal(Lines(L(1, 3, "rw-p"), L(4, 5, "rw-p")), s.Maps());
        }
    }

    [Fact] // do_mprotect_pkey: without PROT_GROWSDOWN a start below the first VMA is ENOMEM; PROT_SEM is a valid bit
    public void Mprotect_start_before_vma_is_ENOMEM()
    {
        foreach (var s in Both())
        {
            s.Mmap(B + P, 2 * P, RW);
            s.Mprotect(B, 2 * P, R).Is("-ENOMEM");
            s.Mprotect(B + P, P, R | Prot.Sem).Is("0");
            Assert.Equal(Lines(L(1, 2, "r--p"), L(2, 3, "rw-p")), s.Maps());
        }
    }

    [Fact] // do_mprotect_pkey: PROT_GROWSDOWN moves the start to the VM_GROWSDOWN VMA's start
    public void Mprotect_growsdown_extends_to_vma_start()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, 4 * P, RW, F | Map.GrowsDown);
            s.Mprotect(B + 2 * P, P, R | Prot.GrowsDown).Is("0");
            Assert.Equal(Lines(L(0, 3, "r--p"), L(3, 4, "rw-p")), s.Maps());
        }
    }

    [Fact] // mprotect_fixup -> vma_modify -> split_vma: a split at max_map_count is ENOMEM (model-only)
    public void Mprotect_split_at_max_map_count_is_ENOMEM()
    {
        var s = new Scenario(KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Mprotect(B + P, P, R).Is("-ENOMEM");
        s.Mprotect(B, 3 * P, R).Is("0");
        Assert.Equal(L(0, 3, "r--p"), s.Maps());
    }

    // ---- mlock family ---------------------------------------------------------------------------------------------------

    [Fact] // sys_mlock2: the flag check comes before can_do_mlock (EINVAL, not EPERM); munlock has no permission check
    public void Mlock2_bad_flags_before_EPERM_and_munlock_needs_no_permission()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, P, RW);
            s.SetCreds(0, capIpcLock: false);
            s.Mlock2(B, P, 2).Is("-EINVAL");
            s.Mlock2(B, P, Mlock.OnFault).Is("-EPERM");
            s.Munlock(B, P).Is("0");
        }
    }

    [Fact] // do_mlock: without CAP_IPC_LOCK the RLIMIT_MEMLOCK test fails first, so a wrapping length is ENOMEM, not EINVAL
    public void Mlock_wrapping_length_without_cap_is_ENOMEM()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, P, RW);
            s.SetCreds(1UL << 20, capIpcLock: false);
            s.Mlock(B, ulong.MaxValue - B).Is("-ENOMEM");
            s.Munlock(B, ulong.MaxValue - B).Is("-EINVAL"); // apply_vma_lock_flags
        }
    }

    [Fact] // do_mlock -> __mm_populate: SIGBUS past a memfd's end is EFAULT, reported as ENOMEM; the VMA stays locked
    public void Mlock_past_end_of_file_is_ENOMEM()
    {
        foreach (var s in Both())
        {
            s.Memfd(P);
            s.Mmap(B, 2 * P, RW, Map.Shared | Map.FixedNoReplace, handle: 0);
            s.Mlock(B, 2 * P).Is("-ENOMEM");
            Assert.Equal("rd wr sh mr mw me ms lo ", s.VmFlagsAt(B));
        }
    }

    [Fact] // apply_vma_lock_flags -> mlock_fixup -> split_vma: a split at max_map_count is ENOMEM, untranslated (model-only)
    public void Mlock_split_at_max_map_count_is_ENOMEM()
    {
        var s = new Scenario(KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Mlock(B + P, P).Is("-ENOMEM");
        Assert.Equal(0UL, s.Proc().LockedVm);
    }

    [Fact] // sys_mlockall: EINVAL before EPERM; MCL_CURRENT with total_vm above RLIMIT_MEMLOCK is ENOMEM, MCL_FUTURE is not
    public void Mlockall_permission_and_limit()
    {
        // The limits only go down: this host's bounding set lacks CAP_SYS_RESOURCE, so raising the hard limit is EPERM.
        foreach (var s in Both())
        {
            s.Mmap(B, 2 * P, RW);
            s.SetCreds(P, capIpcLock: false);
            s.Mlockall(Mlock.McCurrent).Is("-ENOMEM");
            s.Mlockall(Mlock.McFuture).Is("0");
            s.Mmap(B + 4 * P, 2 * P, RW).Is("-EAGAIN"); // mlock_future_ok with the new def_flags
            s.Munlockall().Is("0");
            Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B));
            s.SetCreds(0, capIpcLock: false);
            s.Mlockall(8).Is("-EINVAL");
            s.Mlockall(Mlock.McCurrent).Is("-EPERM");
        }
    }

    // ---- madvise, prctl(PR_SET_VMA) ---------------------------------------------------------------------------------

    [Fact] // do_madvise: a length that rounds up fine but whose end wraps past 2^64 is EINVAL
    public void Madvise_end_wrapping_is_EINVAL()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, P, RW);
            s.Madvise(B, unchecked(0UL - B + P), Madv.DontDump).Is("-EINVAL"); // end wraps to P
            s.Madvise(B, unchecked(0UL - B), Madv.DontDump).Is("-EINVAL");
            Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B));
        }
    }

    [Fact] // madvise_set_anon_name: the same wrapping end is EINVAL, after the name was accepted
    public void Name_end_wrapping_is_EINVAL()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Name(B, unchecked(0UL - B), "x").Is("-EINVAL");
        s.Name(B, unchecked(0UL - B), null).Is("-EINVAL");
        Assert.Equal(L(0, 1, "rw-p"), s.Maps());
    }

    // ---- touches: do_user_addr_fault ----------------------------------------------------------------------------------

    [Fact] // do_read_fault / do_cow_fault: a private file mapping past the file's end is SIGBUS for reads and writes alike
    public void Touch_private_file_past_end_is_SIGBUS()
    {
        foreach (var s in Both())
        {
            s.Memfd(P);
            s.Mmap(B, 2 * P, RW, Map.Private | Map.FixedNoReplace, handle: 0);
            s.Read(B + P).Is("SIGBUS");
            s.Write(B + P).Is("SIGBUS");
        }
    }

    [Fact] // lock_mm_and_find_vma -> expand_downwards: a touch below a VM_GROWSDOWN VMA grows it down to the page
    public void Touch_below_growsdown_vma_grows_it()
    {
        foreach (var s in Both())
        {
            s.Mmap(B + 400 * P, P, RW, F | Map.GrowsDown).Is(B + 400 * P);
            s.Write(B + 399 * P + 5).Is("0");
            Assert.Equal(L(399, 401, "rw-p"), s.Maps());
            s.Write(B + 300 * P).Is("0");
            Assert.Equal(L(300, 401, "rw-p"), s.Maps());
            Assert.Equal(8UL, s.Block(B + 300 * P).Counters.Rss);
        }
    }

    [Fact] // access_error runs after the growth: a write below a read-only VM_GROWSDOWN VMA grows it and still is SIGSEGV
    public void Touch_write_below_read_only_growsdown_vma_grows_then_SIGSEGV()
    {
        foreach (var s in Both())
        {
            s.Mmap(B + 400 * P, P, R, F | Map.GrowsDown);
            s.Write(B + 398 * P).Is("SIGSEGV");
            Assert.Equal(L(398, 401, "r--p"), s.Maps());
        }
    }

    [Fact] // expand_downwards: stack_guard_gap (256 pages) from an accessible VMA below is ENOMEM, so SIGSEGV; PROT_NONE is no bar
    public void Touch_within_stack_guard_gap_is_SIGSEGV()
    {
        foreach (var s in Both())
        {
            s.Mmap(B, P, RW);
            s.Mmap(B + 300 * P, P, RW, F | Map.GrowsDown);
            s.Write(B + 256 * P).Is("SIGSEGV"); // 255 pages above the neighbour's end
            s.Write(B + 257 * P).Is("0");       // 256 pages: allowed
            Assert.Equal(Lines(L(0, 1, "rw-p"), L(257, 301, "rw-p")), s.Maps());
            s.Write(B + 100 * P).Is("SIGSEGV");
            s.Mprotect(B, P, NONE).Is("0");
            s.Write(B + 100 * P).Is("0");
            Assert.Equal(Lines(L(0, 1, "---p"), L(100, 301, "rw-p")), s.Maps());
        }
    }

    [Fact] // acct_stack_growth -> mlock_future_ok: without CAP_IPC_LOCK a locked stack stays within RLIMIT_MEMLOCK, or SIGSEGV
    public void Touch_growing_locked_stack_past_memlock_is_SIGSEGV()
    {
        foreach (var s in Both())
        {
            s.SetCreds(2 * P, capIpcLock: false);
            s.Mmap(B + 400 * P, P, RW, F | Map.GrowsDown | Map.Locked).Is(B + 400 * P);
            s.Write(B + 398 * P).Is("SIGSEGV"); // 1 + 2 pages
            s.Write(B + 399 * P).Is("0");       // 1 + 1 pages
            Assert.Equal(L(399, 401, "rw-p"), s.Maps());
            Assert.Equal(2UL, s.Proc().LockedVm);
        }
    }

    [Fact] // acct_stack_growth: a stack larger than RLIMIT_STACK (8 MiB, 2048 pages, as the executor runs) is ENOMEM, so SIGSEGV
    public void Touch_growing_stack_past_rlimit_is_SIGSEGV()
    {
        foreach (var s in Both())
        {
            s.Mmap(B + 3000 * P, P, RW, F | Map.GrowsDown);
            s.Write(B + 952 * P).Is("SIGSEGV"); // 2049 pages
            s.Write(B + 953 * P).Is("0");       // 2048 pages
            Assert.Equal(L(953, 3001, "rw-p"), s.Maps());
        }
    }
}
