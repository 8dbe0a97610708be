using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mremap: mm/mremap.c (6.12) SYSCALL_DEFINE5(mremap), mremap_to, vma_to_resize, vma_expandable, move_vma,
// move_page_tables; mm/vma.c vma_merge_extend, copy_vma. No hugetlb, userfaultfd, sealing or PFN mappings here.
// The reworked syscall of later kernels is MremapReworked.cs; the two share the move itself (MoveVma, CopyVma).
public sealed partial class LinuxModel
{
    Outcome Mremap(Process p, ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        if (!Profile.Mremap612) return MremapReworked(p, addr, oldLen, newLen, flags, newAddr);
        if ((flags & ~(Remap.Fixed | Remap.MayMove | Remap.DontUnmap)) != 0) return Outcome.Err(Errno.EINVAL);
        if ((flags & Remap.Fixed) != 0 && (flags & Remap.MayMove) == 0) return Outcome.Err(Errno.EINVAL);
        // MREMAP_DONTUNMAP always moves and never resizes: the lengths are compared before they are page-aligned.
        if ((flags & Remap.DontUnmap) != 0 && ((flags & Remap.MayMove) == 0 || oldLen != newLen)) return Outcome.Err(Errno.EINVAL);
        if (!Mem.Aligned(addr)) return Outcome.Err(Errno.EINVAL);
        oldLen = Mem.PageAlign(oldLen);
        newLen = Mem.PageAlign(newLen);
        // A zero old length is the "duplicate a shared mapping" case (vma_to_resize); a zero new length never makes sense.
        if (newLen == 0) return Outcome.Err(Errno.EINVAL);
        if (p.Vmas.Containing(addr) is null) return Outcome.Err(Errno.EFAULT);

        bool locked = false;
        Outcome ret;
        if ((flags & (Remap.Fixed | Remap.DontUnmap)) != 0) ret = MremapTo(p, addr, oldLen, newAddr, newLen, flags, ref locked, out newAddr);
        else if (oldLen >= newLen) return oldLen == newLen ? Outcome.Addr(addr) : ShrinkInPlace(p, addr, oldLen, newLen);
        else ret = Grow(p, addr, oldLen, newLen, flags, ref locked, out newAddr);
        // The population mlock promises happens after mmap_write_unlock, for the part that is new.
        if (ret.Kind == OutcomeKind.Address && locked && newLen > oldLen) Populate(p, newAddr + oldLen, newAddr + newLen, ignoreErrors: true);
        // What left its address: the old range of a move (MREMAP_DONTUNMAP's too: its pages went), the tail a move cut.
        if (ret.Kind == OutcomeKind.Address && (ret.Value != addr || (flags & Remap.DontUnmap) != 0)) vacated.Add(new(p.Index, addr, addr + oldLen));
        return ret;
    }

    readonly List<Vacated> vacated = new();

    /// <summary>The ranges whose contents mremap took from their address so far (moves and shrinks), for the checks that ask what a move did.</summary>
    public IReadOnlyList<Vacated> MremapVacated => vacated;

    /// <summary>The growing remap without MREMAP_FIXED: vma_to_resize's checks, then <see cref="ExpandVma"/>.</summary>
    Outcome Grow(Process p, ulong addr, ulong oldLen, ulong newLen, int flags, ref bool locked, out ulong newAddr)
    {
        newAddr = 0;
        var (v, err) = VmaToResize(p, addr, oldLen, newLen, flags);
        if (err != 0) return Outcome.Err(err);
        return ExpandVma(p, v!, addr, oldLen, newLen, flags, ref locked, ref newAddr);
    }

    /// <summary>A shrinking remap in place: do_vmi_munmap unmaps the tail, whatever VMAs it covers.</summary>
    Outcome ShrinkInPlace(Process p, ulong addr, ulong oldLen, ulong newLen)
    {
        var unmapped = Munmap(p, addr + newLen, oldLen - newLen);
        if (unmapped != Outcome.Ok) return unmapped;
        vacated.Add(new(p.Index, addr + newLen, addr + oldLen));
        return Outcome.Addr(addr);
    }

    /// <summary>
    /// A growth without a fixed address (6.12's syscall body, the rework's expand_vma): in place when the range ends the
    /// VMA and the space after it is free, else moved (MREMAP_MAYMOVE) or ENOMEM. locked and newAddr: a locked VMA grew
    /// in place, at addr (a move sets them in MoveVma).
    /// </summary>
    Outcome ExpandVma(Process p, Vma v, ulong addr, ulong oldLen, ulong newLen, int flags, ref bool locked, ref ulong newAddr)
    {
        ulong delta = newLen - oldLen;
        if (oldLen == v.End - addr && VmaExpandable(p, v, delta))
        {
            ulong pages = delta >> Mem.PageShift;
            if ((v.Flags & VmFlags.Account) != 0 && !VmEnoughMemory(pages)) return Outcome.Err(Errno.ENOMEM);
            // vma_merge_extend: the extension as a new range after v, which v itself always takes (and next too,
            // when it is compatible), unless is_mergeable_vma refuses v (a MAP_REFPAGE mapping): then ENOMEM.
            var grown = MergeNewRange(p, v, p.Vmas.Next(v), v.End, v.End + delta, v.Flags, v.File, v.PgOff + v.Pages, v.AnonId, v.Name);
            if (grown is null) return Outcome.Err(Errno.ENOMEM);
            if ((grown.Flags & VmFlags.Locked) != 0)
            {
                p.LockedVm += pages;
                locked = true;
                newAddr = addr;
            }
            return Outcome.Addr(addr);
        }
        if ((flags & Remap.MayMove) == 0) return Outcome.Err(Errno.ENOMEM);
        // get_unmapped_area(vma->vm_file, 0, ...): no hint, so top-down from mmap_base.
        if (UnmappedArea(p, 0, newLen) is not { } placed) return Outcome.Err(Errno.ENOMEM);
        newAddr = placed;
        return MoveVma(p, v, addr, oldLen, newLen, newAddr, flags, ref locked);
    }

    /// <summary>mremap_to: MREMAP_FIXED (the destination unmapped first) or MREMAP_DONTUNMAP (new_addr a hint without MREMAP_FIXED).</summary>
    Outcome MremapTo(Process p, ulong addr, ulong oldLen, ulong newAddr, ulong newLen, int flags, ref bool locked, out ulong placed)
    {
        placed = newAddr;
        if (!Mem.Aligned(newAddr)) return Outcome.Err(Errno.EINVAL);
        if (newLen > Mem.TaskSize || newAddr > Mem.TaskSize - newLen) return Outcome.Err(Errno.EINVAL);
        if (addr + oldLen > newAddr && newAddr + newLen > addr) return Outcome.Err(Errno.EINVAL); // they overlap
        // Room for both ranges to be split in three before anything is unmapped.
        if (p.Vmas.Count + 2 >= Profile.MaxMapCount - 3) return Outcome.Err(Errno.ENOMEM);
        if ((flags & Remap.Fixed) != 0)
        {
            var cleared = Munmap(p, newAddr, newLen);
            if (cleared != Outcome.Ok) return cleared;
        }
        if (oldLen > newLen)
        {
            var cut = Munmap(p, addr + newLen, oldLen - newLen);
            if (cut != Outcome.Ok) return cut;
            oldLen = newLen;
        }
        var (v, err) = VmaToResize(p, addr, oldLen, newLen, flags);
        if (err != 0) return Outcome.Err(err);
        // may_expand_vm for the copy MREMAP_DONTUNMAP leaves behind: no address-space limit is set here.
        if ((flags & Remap.Fixed) == 0)
        {
            // get_unmapped_area with new_addr as a hint; a mapping of a shmem file takes its own (THP-free here) path to the same search.
            if (UnmappedArea(p, newAddr, newLen) is not { } hinted) return Outcome.Err(Errno.ENOMEM);
            placed = hinted;
        }
        return MoveVma(p, v!, addr, oldLen, newLen, placed, flags, ref locked);
    }

    /// <summary>get_unmapped_area without MAP_FIXED: the address the search gives for len (hint 0: none), or null for -ENOMEM.</summary>
    ulong? UnmappedArea(Process p, ulong hint, ulong len) =>
        PickAddress(p, hint, len) is var a && a != ulong.MaxValue && a <= Mem.TaskSize - len ? a : null;

    /// <summary>vma_to_resize: the VMA at addr, if the range may be remapped to newLen.</summary>
    (Vma? vma, Errno err) VmaToResize(Process p, ulong addr, ulong oldLen, ulong newLen, int flags)
    {
        var v = p.Vmas.Containing(addr);
        if (v is null) return (null, Errno.EFAULT);
        // A zero old length duplicates a mapping, which only a shared one can be.
        if (oldLen == 0 && (v.Flags & (VmFlags.Shared | VmFlags.MayShare)) == 0) return (null, Errno.EINVAL);
        // (MREMAP_DONTUNMAP of a VM_DONTEXPAND or VM_PFNMAP mapping is EINVAL: the model has neither.)
        if (oldLen > v.End - addr) return (null, Errno.EFAULT); // no remapping across VMA boundaries
        if (newLen == oldLen) return (v, 0);
        ulong pgoff = v.PgOff + ((addr - v.Start) >> Mem.PageShift);
        if (pgoff + (newLen >> Mem.PageShift) < pgoff) return (null, Errno.EINVAL);
        if (!MlockFutureOk(p, v.Flags, newLen - oldLen)) return (null, Errno.EAGAIN);
        // may_expand_vm: RLIMIT_AS and RLIMIT_DATA are unlimited for the trace processes.
        return (v, 0);
    }

    /// <summary>vma_expandable: nothing mapped in the delta after v, and the grown range still below TASK_SIZE.</summary>
    static bool VmaExpandable(Process p, Vma v, ulong delta)
    {
        ulong end = v.End + delta;
        if (end < v.End) return false;
        if (p.Vmas.FirstEndingAfter(v.End) is { } n && n.Start < end) return false;
        // get_unmapped_area(NULL, vm_start, end - vm_start, 0, MAP_FIXED)
        ulong len = end - v.Start;
        return len <= Mem.TaskSize && v.Start <= Mem.TaskSize - len;
    }

    /// <summary>
    /// move_vma: copy the VMA to newAddr (merging there if it can), move its page table entries, then unmap the old
    /// range, or with MREMAP_DONTUNMAP keep it, empty, unlocked, and with its anon_vma dropped when it is whole.
    /// </summary>
    /// <remarks>
    /// The reworked mremap (a profile without Mremap612) charges <paramref name="delta"/>, the difference of the
    /// lengths asked for (vrm_calc_charge); for MREMAP_DONTUNMAP it lets the copy merge with its source (copy_vma has no
    /// keep_source), does not split a locked source first, so that the whole source VMA loses VM_LOCKED
    /// (dontunmap_complete), leaves an unfaulted source's pgoff as it was, and adds the new length to locked_vm all the
    /// same (vrm_stat_account comes first).
    /// </remarks>
    Outcome MoveVma(Process p, Vma v, ulong oldAddr, ulong oldLen, ulong newLen, ulong newAddr, int flags, ref bool locked, ulong? delta = null)
    {
        bool dontUnmap = (flags & Remap.DontUnmap) != 0, reworked = !Profile.Mremap612;
        VmFlags vmFlags = v.Flags;
        ulong toAccount = dontUnmap ? newLen : delta ?? newLen - oldLen;
        bool splitBefore = v.Start != oldAddr, splitAfter = v.End != oldAddr + oldLen;
        if (reworked ? p.Vmas.Count + 2 > Profile.MaxMapCount : p.Vmas.Count >= Profile.MaxMapCount - 3) return Outcome.Err(Errno.ENOMEM);
        // MREMAP_DONTUNMAP of a locked VMA: split first, so that only the moved part loses VM_LOCKED.
        if (dontUnmap && (v.Flags & VmFlags.Locked) != 0 && !reworked)
        {
            if (splitBefore)
            {
                if (p.Vmas.Count >= Profile.MaxMapCount) return Outcome.Err(Errno.ENOMEM);
                v = Split(p, ref v, oldAddr);
            }
            if (splitAfter)
            {
                if (p.Vmas.Count >= Profile.MaxMapCount) return Outcome.Err(Errno.ENOMEM);
                Split(p, ref v, oldAddr + oldLen);
            }
        }
        if ((vmFlags & VmFlags.Account) != 0 && !VmEnoughMemory(toAccount >> Mem.PageShift)) return Outcome.Err(Errno.ENOMEM);

        ulong newPgoff = v.PgOff + ((oldAddr - v.Start) >> Mem.PageShift);
        CopyVma(p, ref v, newAddr, newLen, newPgoff, keepSource: dontUnmap && !reworked);
        MovePageTables(p, oldAddr, newAddr, oldLen);

        bool accountStart = false, accountEnd = false;
        if ((vmFlags & VmFlags.Account) != 0 && !dontUnmap)
        {
            // Conceal VM_ACCOUNT, so that unmapping the old range does not undo its charge.
            v = p.Vmas.Own(v);
            v.Flags &= ~VmFlags.Account;
            accountStart = v.Start < oldAddr;
            accountEnd = v.End > oldAddr + oldLen;
        }
        if (dontUnmap)
        {
            ulong lockedBefore = reworked ? p.LockedVmaPages() : 0;
            v = p.Vmas.Own(v);
            v.Flags &= ~VmFlags.LockedMask;
            // What the cleared VM_LOCKED takes from the locked VMAs, locked_vm keeps (see Process.LockedVmAdrift).
            if (reworked) p.LockedVmAdrift += lockedBefore - p.LockedVmaPages();
            if (v.Start == oldAddr && v.End == oldAddr + oldLen)
            {
                // unlink_anon_vmas: the pages went with the copy; an unfaulted anonymous VMA's pgoff is its address.
                v.AnonId = 0;
                v.AnonSingular = false;
                if (v.IsAnonymous && !reworked) v.PgOff = v.Start >> Mem.PageShift;
            }
            // Nothing is unmapped, so locked_vm is left as it was (the reworked code counts the copy in all the same).
            if (reworked && (vmFlags & VmFlags.Locked) != 0) p.LockedVm += newLen >> Mem.PageShift;
            return Outcome.Addr(newAddr);
        }
        Vma? head = null, tail = null;
        if (oldLen == 0) accountStart = accountEnd = false; // do_vmi_munmap refuses an empty range
        else GatherAndUnmap(p, oldAddr, oldAddr + oldLen, out head, out tail);
        if ((vmFlags & VmFlags.Locked) != 0)
        {
            p.LockedVm += newLen >> Mem.PageShift;
            locked = true;
        }
        // Restore VM_ACCOUNT on the pieces of the old VMA left on either side.
        if (accountStart && head is not null) p.Vmas.Own(head).Flags |= VmFlags.Account;
        if (accountEnd && tail is not null) p.Vmas.Own(tail).Flags |= VmFlags.Account;
        return Outcome.Addr(newAddr);
    }

    /// <summary>
    /// copy_vma: the destination range as a new range with v's flags, file, anon_vma and name, merged into a neighbour
    /// when vma_merge_new_range allows, else a vm_area_dup of v placed there (the same anon_vma and chain, the name
    /// shared). An anonymous VMA never faulted takes the destination's address as its pgoff, so that it can merge;
    /// with MREMAP_DONTUNMAP it may then not merge with itself. v becomes the copy when the copy took it in.
    /// </summary>
    void CopyVma(Process p, ref Vma v, ulong addr, ulong len, ulong pgoff, bool keepSource)
    {
        bool faulted = true;
        if (v.IsAnonymous && !v.HasAnonVma)
        {
            pgoff = addr >> Mem.PageShift;
            faulted = false;
        }
        var prev = p.Vmas.LastStartingBelow(addr);
        var next = p.Vmas.FirstEndingAfter(addr); // the range is free, so prev ends at or below addr
        if (!faulted && keepSource)
        {
            if (prev == v) prev = null;
            if (next == v) next = null;
        }
        ulong start = v.Start;
        var merged = MergeNewRange(p, prev, next, addr, addr + len, v.Flags, v.File, pgoff, v.AnonId, v.Name);
        if (merged is not null)
        {
            // The source itself may have been merged into the copy (only when it was never faulted).
            if (merged.Contains(start)) v = merged;
            return;
        }
        var dup = v.CloneShallow();
        dup.Start = addr;
        dup.End = addr + len;
        dup.PgOff = pgoff;
        dup.Name = NameShare(dup.Name, NameSite.Split);
        p.Vmas.Insert(dup);
    }

    /// <summary>
    /// move_page_tables: every entry of the old range moves to the same offset in the new one, its dirty and young bits
    /// kept (the two ranges never overlap: mremap_to refuses that, and a placed move lands in free space).
    /// </summary>
    static void MovePageTables(Process p, ulong oldAddr, ulong newAddr, ulong len) =>
        TakePtes(p, oldAddr, oldAddr + len, (vpn, pte) => p.Ptes[vpn - (oldAddr >> Mem.PageShift) + (newAddr >> Mem.PageShift)] = pte);
}

/// <summary>A range of process Pid's addresses whose contents an mremap took away.</summary>
public readonly record struct Vacated(int Pid, ulong Start, ulong End);
