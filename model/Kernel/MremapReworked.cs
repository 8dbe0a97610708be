using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mremap as Linux 6.16-6.17 reworked mm/mremap.c (a profile without Mremap612): do_mremap, check_mremap_params,
// check_prep_vma, remap_move, mremap_to, mremap_at, expand_vma, move_vma, dontunmap_complete. What changed from 6.12:
// every parameter (the overlap of the two ranges included) is checked before the VMA is looked up, and the VMA before
// anything is unmapped; an MREMAP_FIXED move that keeps the length moves every VMA of the range, gaps kept; and the
// source of an MREMAP_DONTUNMAP move is not split first. No hugetlb, userfaultfd, sealing or PFN mappings here.
public sealed partial class LinuxModel
{
    Outcome MremapReworked(Process p, ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr)
    {
        oldLen = Mem.PageAlign(oldLen);
        newLen = Mem.PageAlign(newLen);
        // check_mremap_params
        if ((flags & ~(Remap.Fixed | Remap.MayMove | Remap.DontUnmap)) != 0) return Outcome.Err(Errno.EINVAL);
        if (!Mem.Aligned(addr)) return Outcome.Err(Errno.EINVAL);
        if (newLen == 0 || newLen > Mem.TaskSize) return Outcome.Err(Errno.EINVAL);
        bool newPlace = (flags & (Remap.Fixed | Remap.DontUnmap)) != 0; // vrm_implies_new_addr
        if (newPlace)
        {
            if (newAddr > Mem.TaskSize - newLen || !Mem.Aligned(newAddr)) return Outcome.Err(Errno.EINVAL);
            if ((flags & Remap.MayMove) == 0) return Outcome.Err(Errno.EINVAL);
            if ((flags & Remap.DontUnmap) != 0 && oldLen != newLen) return Outcome.Err(Errno.EINVAL);
            if (addr + oldLen > newAddr && newAddr + newLen > addr) return Outcome.Err(Errno.EINVAL); // vrm_overlaps
        }
        // check_map_count_against_split_early: room for the unmaps' splits (2) and the move's (2).
        if (p.Vmas.Count + 4 > Profile.MaxMapCount) return Outcome.Err(Errno.ENOMEM);

        if ((flags & Remap.Fixed) != 0 && oldLen == newLen) return RemapMove(p, addr, oldLen, newAddr, flags); // vrm_move_only

        var v = p.Vmas.Containing(addr);
        var prep = CheckPrepVma(p, v, addr, oldLen, newLen, flags, out bool populate);
        if (prep != 0) return Outcome.Err(prep);
        ulong placed = newPlace ? newAddr : addr;
        bool locked = false; // 6.12's populate signal; the rework's is check_prep_vma's (populate)
        var ret = newPlace ? MremapToReworked(p, v!, addr, oldLen, newLen, flags, ref placed)
            : oldLen == newLen ? Outcome.Addr(addr)
            : oldLen > newLen ? ShrinkInPlace(p, addr, oldLen, newLen)
            : ExpandVma(p, v!, addr, oldLen, newLen, flags, ref locked, ref placed);
        // The population mlock promises, after mmap_write_unlock, for the part that is new.
        if (ret.Kind == OutcomeKind.Address && populate) Populate(p, placed + oldLen, placed + newLen, ignoreErrors: true);
        if (ret.Kind == OutcomeKind.Address && (ret.Value != addr || (flags & Remap.DontUnmap) != 0)) vacated.Add(new(p.Index, addr, addr + Math.Min(oldLen, newLen)));
        return ret;
    }

    /// <summary>
    /// check_prep_vma: the VMA at addr may be resized or moved. Only a remap that expands or goes to a new address is
    /// checked beyond the VMA's existence; for a shrink, only the part kept must lie in the VMA. populate: the VMA is
    /// mlocked and grows (mm_populate after the move).
    /// </summary>
    Errno CheckPrepVma(Process p, Vma? v, ulong addr, ulong oldLen, ulong newLen, int flags, out bool populate)
    {
        populate = false;
        if (v is null) return Errno.EFAULT;
        if (newLen <= oldLen && (flags & (Remap.Fixed | Remap.DontUnmap)) == 0) return 0; // !vrm_will_map_new
        // A zero old length duplicates a mapping, which only a shared one can be.
        if (oldLen == 0 && (v.Flags & (VmFlags.Shared | VmFlags.MayShare)) == 0) return Errno.EINVAL;
        // (MREMAP_DONTUNMAP of a VM_DONTEXPAND or VM_PFNMAP mapping is EINVAL: the model has neither.)
        ulong moved = Math.Min(oldLen, newLen); // a shrink may cross into later VMAs: only what is kept must fit
        if (moved > v.End - addr) return Errno.EFAULT;
        if (newLen == moved) return 0;
        if ((v.Flags & VmFlags.Locked) != 0) populate = true;
        ulong pgoff = v.PgOff + ((addr - v.Start) >> Mem.PageShift);
        if (pgoff + (newLen >> Mem.PageShift) < pgoff) return Errno.EINVAL;
        if (!MlockFutureOk(p, v.Flags, newLen - oldLen)) return Errno.EAGAIN;
        // may_expand_vm: RLIMIT_AS and RLIMIT_DATA are unlimited for the trace processes.
        return 0;
    }

    /// <summary>
    /// remap_move: MREMAP_FIXED with the length kept moves every VMA of [addr, addr+len), each by mremap_to, to the same
    /// offsets after the first one's new address (the gaps between them kept, and not unmapped at the destination). A
    /// gap at the start is EFAULT; a failure part way leaves the VMAs moved so far where they went.
    /// </summary>
    Outcome RemapMove(Process p, ulong addr, ulong len, ulong newAddr, int flags)
    {
        ulong start = addr, end = addr + len, target = newAddr, lastEnd = 0, cursor = addr;
        Outcome result = Outcome.Err(Errno.EFAULT);
        bool seen = false;
        for (var v = p.Vmas.FirstEndingAfter(cursor); cursor < end && v is not null && v.Start < end; v = p.Vmas.FirstEndingAfter(cursor))
        {
            ulong from = Math.Max(v.Start, start), pieceLen = Math.Min(end, v.End) - from;
            if (!seen && start < v.Start) return Outcome.Err(Errno.EFAULT);
            ulong offset = seen ? v.Start - lastEnd : 0;
            lastEnd = v.End;
            ulong to = target + offset;
            // vma_multi_allowed: anonymous, shmem and tmpfs mappings all are (no userfaultfd here).
            var prep = CheckPrepVma(p, v, from, pieceLen, pieceLen, flags, out _);
            if (prep != 0) return Outcome.Err(prep);
            ulong placed = to;
            var moved = MremapToReworked(p, v, from, pieceLen, pieceLen, flags, ref placed);
            if (moved.Kind != OutcomeKind.Address) return moved;
            vacated.Add(new(p.Index, from, from + pieceLen));
            if (!seen) result = moved;
            seen = true;
            target = moved.Value + pieceLen;
            // The iterator goes on after the VMA as it was found (vma_iter_invalidate pauses it there) and stops once
            // that is past the range, so a VMA the copy merged back into (MREMAP_DONTUNMAP of an unfaulted one) is not
            // visited again.
            cursor = lastEnd;
        }
        return result;
    }

    /// <summary>
    /// mremap_to (6.17): MREMAP_FIXED unmaps the destination first and looks the VMA up again; a shrink unmaps the tail;
    /// then the move, to new_addr or (MREMAP_DONTUNMAP alone) to where the search for that hint lands.
    /// </summary>
    Outcome MremapToReworked(Process p, Vma v, ulong addr, ulong oldLen, ulong newLen, int flags, ref ulong newAddr)
    {
        ulong delta = oldLen > newLen ? oldLen - newLen : newLen - oldLen;
        if ((flags & Remap.Fixed) != 0)
        {
            var cleared = Munmap(p, newAddr, newLen);
            if (cleared != Outcome.Ok) return cleared;
            if (p.Vmas.Containing(addr) is not { } again) return Outcome.Err(Errno.EFAULT);
            v = again;
        }
        if (oldLen > newLen)
        {
            var cut = ShrinkInPlace(p, addr, oldLen, newLen); // shrink_vma, the lock kept
            if (cut.Kind != OutcomeKind.Address) return cut;
            if (p.Vmas.Containing(addr) is not { } kept) return Outcome.Err(Errno.EFAULT);
            v = kept;
            oldLen = newLen;
        }
        // may_expand_vm for the copy MREMAP_DONTUNMAP leaves behind: no address-space limit is set here.
        if ((flags & Remap.Fixed) == 0)
        {
            // vrm_set_new_addr: get_unmapped_area with new_addr as a hint.
            if (UnmappedArea(p, newAddr, newLen) is not { } hinted) return Outcome.Err(Errno.ENOMEM);
            newAddr = hinted;
        }
        bool locked = false;
        return MoveVma(p, v, addr, oldLen, newLen, newAddr, flags, ref locked, delta);
    }
}
