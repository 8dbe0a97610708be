using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mlock family: mm/mlock.c:do_mlock, apply_vma_lock_flags, mlock_fixup, count_mm_mlocked_page_nr, sys_munlock,
// sys_mlockall, apply_mlockall_flags, sys_munlockall; mm/gup.c:__mlock_posix_error_return.
public sealed partial class LinuxModel
{
    Outcome Mlock2(Process p, ulong start, ulong len, int flags)
    {
        if ((flags & ~Mlock.OnFault) != 0) return Outcome.Err(Errno.EINVAL);
        return DoMlock(p, start, len, (flags & Mlock.OnFault) != 0 ? VmFlags.LockedMask : VmFlags.Locked);
    }

    Outcome DoMlock(Process p, ulong start, ulong len, VmFlags flags)
    {
        if (!CanDoMlock(p)) return Outcome.Err(Errno.EPERM);
        (start, len) = LockRange(start, len);
        ulong limit = p.MemlockLimit >> Mem.PageShift;
        ulong locked = (len >> Mem.PageShift) + p.LockedVm;
        if (locked > limit && !p.CapIpcLock) locked -= CountMlockedPages(p, start, len);
        if (locked > limit && !p.CapIpcLock) return Outcome.Err(Errno.ENOMEM);
        var err = ApplyLockFlags(p, start, len, flags);
        if (err != 0) return Outcome.Err(err);
        if (Mutated(Mutation.MlockSkipsPopulate)) return Outcome.Ok;
        var perr = Populate(p, start, start + len, ignoreErrors: false);
        // __mlock_posix_error_return: EFAULT -> ENOMEM, ENOMEM -> EAGAIN.
        return perr switch
        {
            0 => Outcome.Ok,
            Errno.EFAULT => Outcome.Err(Errno.ENOMEM),
            Errno.ENOMEM => Outcome.Err(Errno.EAGAIN),
            _ => Outcome.Err(perr),
        };
    }

    Outcome Munlock(Process p, ulong start, ulong len)
    {
        (start, len) = LockRange(start, len);
        var err = ApplyLockFlags(p, start, len, 0);
        return err == 0 ? Outcome.Ok : Outcome.Err(err);
    }

    /// <summary>do_mlock and munlock: no alignment error; the start is rounded down and the length grows to cover it.</summary>
    static (ulong start, ulong len) LockRange(ulong start, ulong len) =>
        (start & ~(Mem.PageSize - 1), Mem.PageAlign(len + (start & (Mem.PageSize - 1))));

    static ulong CountMlockedPages(Process p, ulong start, ulong len)
    {
        ulong end = start + len;
        long count = 0;
        for (var v = p.Vmas.FirstEndingAfter(start); v is not null && v.Start < end; v = p.Vmas.Next(v))
        {
            if ((v.Flags & VmFlags.Locked) == 0) continue;
            if (start > v.Start) count -= (long)(start - v.Start);
            if (end < v.End) { count += (long)(end - v.Start); break; }
            count += (long)(v.End - v.Start);
        }
        return (ulong)count >> Mem.PageShift;
    }

    /// <summary>apply_vma_lock_flags: a hole stops the walk with ENOMEM; what was changed before it stays changed.</summary>
    Errno ApplyLockFlags(Process p, ulong start, ulong len, VmFlags flags)
    {
        ulong end = start + len;
        if (end < start) return Errno.EINVAL;
        if (end == start) return 0;
        var v = p.Vmas.Containing(start);
        if (v is null) return Errno.ENOMEM;
        ulong nstart = start, tmp = v.Start;
        while (v is not null && v.Start < end)
        {
            if (v.Start != tmp) return Errno.ENOMEM;
            var newFlags = (v.Flags & ~VmFlags.LockedMask) | flags;
            tmp = Math.Min(v.End, end);
            var (res, err) = MlockFixup(p, v, nstart, tmp, newFlags);
            if (err != 0) return err;
            tmp = res!.End;
            nstart = tmp;
            v = p.Vmas.FirstEndingAfter(tmp);
        }
        return tmp < end ? Errno.ENOMEM : 0;
    }

    /// <summary>mlock_fixup: skip unchanged VMAs, modify, account locked_vm. Pages are populated by the caller.</summary>
    (Vma? vma, Errno err) MlockFixup(Process p, Vma v, ulong s, ulong e, VmFlags newFlags)
    {
        var old = v.Flags;
        if (newFlags == old || (old & (VmFlags.Special | VmFlags.Droppable | VmFlags.HugeTlb)) != 0) return (v, 0);
        var (res, err) = Modify(p, v, s, e, newFlags, v.Name);
        if (err != 0) return (null, err);
        ulong pages = (e - s) >> Mem.PageShift;
        if ((newFlags & VmFlags.Locked) == 0) p.LockedVm -= pages;
        else if ((old & VmFlags.Locked) == 0) p.LockedVm += pages;
        // Locking twice would be wrong, so only a change of VM_LOCKED walks the pages (mlock_vma_pages_range).
        if (((newFlags ^ old) & VmFlags.Locked) != 0) MlockVmaPages(p, res!, s, e);
        return (res, 0);
    }

    /// <summary>
    /// mlock_vma_pages_range: drain the local batches, mlock (or munlock) every present normal folio of the range as
    /// the VMA's new flags say (mlock_pte_range), and drain again.
    /// </summary>
    void MlockVmaPages(Process p, Vma v, ulong s, ulong e)
    {
        DrainLocal();
        bool locked = (v.Flags & VmFlags.Locked) != 0;
        if (p.Ptes.Count > 0)
            for (ulong vpn = s >> Mem.PageShift, last = e >> Mem.PageShift; vpn < last; vpn++)
            {
                if (!p.Ptes.TryGetValue(vpn, out var pte) || pte.Folio.IsZero) continue;
                if (locked) MlockFolio(pte.Folio);
                else MunlockFolio(pte.Folio);
            }
        DrainLocal();
    }

    Outcome Mlockall(Process p, int flags)
    {
        if (flags == 0 || (flags & ~(Mlock.McCurrent | Mlock.McFuture | Mlock.McOnFault)) != 0 || flags == Mlock.McOnFault)
            return Outcome.Err(Errno.EINVAL);
        if (!CanDoMlock(p)) return Outcome.Err(Errno.EPERM);
        ulong totalVm = 0;
        foreach (var v in p.Vmas.All()) totalVm += v.Pages;
        if ((flags & Mlock.McCurrent) != 0 && !p.CapIpcLock && totalVm > p.MemlockLimit >> Mem.PageShift)
            return Outcome.Err(Errno.ENOMEM);
        ApplyMlockall(p, flags);
        if ((flags & Mlock.McCurrent) != 0) Populate(p, 0, Mem.TaskSize, ignoreErrors: true);
        return Outcome.Ok;
    }

    Outcome Munlockall(Process p)
    {
        ApplyMlockall(p, 0);
        return Outcome.Ok;
    }

    /// <summary>apply_mlockall_flags: def_flags first, then every VMA whole through mlock_fixup, errors ignored.</summary>
    void ApplyMlockall(Process p, int flags)
    {
        p.DefFlags &= ~VmFlags.LockedMask;
        VmFlags toAdd = 0;
        if ((flags & Mlock.McFuture) != 0)
        {
            p.DefFlags |= VmFlags.Locked;
            if ((flags & Mlock.McOnFault) != 0) p.DefFlags |= VmFlags.LockOnFault;
            if ((flags & Mlock.McCurrent) == 0) return;
        }
        if ((flags & Mlock.McCurrent) != 0)
        {
            toAdd |= VmFlags.Locked;
            if ((flags & Mlock.McOnFault) != 0) toAdd |= VmFlags.LockOnFault;
        }
        ulong at = 0;
        for (var v = p.Vmas.FirstEndingAfter(at); v is not null; v = p.Vmas.FirstEndingAfter(at))
        {
            var newFlags = (v.Flags & ~VmFlags.LockedMask) | toAdd;
            var (res, _) = MlockFixup(p, v, v.Start, v.End, newFlags);
            at = res?.End ?? v.End;
        }
    }
}
