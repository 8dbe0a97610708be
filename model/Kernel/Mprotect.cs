using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mprotect: mm/mprotect.c:do_mprotect_pkey, mprotect_fixup.
public sealed partial class LinuxModel
{
    Outcome Mprotect(Process p, ulong start, ulong len, int prot)
    {
        bool growsDown = (prot & Prot.GrowsDown) != 0, growsUp = (prot & Prot.GrowsUp) != 0;
        if (growsDown && growsUp) return Outcome.Err(Errno.EINVAL);
        prot &= ~(Prot.GrowsDown | Prot.GrowsUp);
        if (!Mem.Aligned(start)) return Outcome.Err(Errno.EINVAL);
        if (len == 0) return Outcome.Ok;
        len = Mem.PageAlign(len);
        ulong end = start + len;
        if (end <= start) return Outcome.Err(Errno.ENOMEM);
        if ((prot & ~(Prot.Read | Prot.Write | Prot.Exec | Prot.Sem)) != 0) return Outcome.Err(Errno.EINVAL);

        var v = p.Vmas.FirstEndingAfter(start);
        if (v is null || v.Start >= end) return Outcome.Err(Errno.ENOMEM);
        if (growsDown)
        {
            if ((v.Flags & VmFlags.GrowsDown) == 0) return Outcome.Err(Errno.EINVAL);
            start = v.Start;
        }
        else
        {
            if (v.Start > start) return Outcome.Err(Errno.ENOMEM);
            // x86 has no CONFIG_STACK_GROWSUP, so VM_GROWSUP is VM_NONE and no VMA passes the PROT_GROWSUP test.
            if (growsUp) return Outcome.Err(Errno.EINVAL);
        }

        var protFlags = ProtToFlags(prot);
        ulong tmp = v.Start; // do_mprotect_pkey: tmp = vma->vm_start
        ulong nstart = start;
        var snapshot = Mutated(Mutation.MprotectRollsBackBeforeHole) ? SnapshotFlags(p, start, end) : null;
        while (v is not null && v.Start < end)
        {
            if (v.Start != tmp) { Rollback(p, snapshot); return Outcome.Err(Errno.ENOMEM); }
            var newFlags = protFlags | (v.Flags & ~VmFlags.AccessMask);
            // MAY bits: anonymous VMAs always have all three.
            var may = (VmFlags)((ulong)(newFlags & (VmFlags.MayRead | VmFlags.MayWrite | VmFlags.MayExec)) >> 4);
            if ((newFlags & VmFlags.AccessMask & ~may) != 0) return Outcome.Err(Errno.EACCES);
            tmp = Math.Min(v.End, end);
            var (res, err) = MprotectFixup(p, v, nstart, tmp, newFlags);
            if (err != 0) return Outcome.Err(err);
            tmp = res!.End; // vma_iter_end: a merge may reach past end
            nstart = tmp;
            v = p.Vmas.FirstEndingAfter(tmp);
        }
        if (tmp < end) { Rollback(p, snapshot); return Outcome.Err(Errno.ENOMEM); }
        return Outcome.Ok;
    }

    (Vma? vma, Errno err) MprotectFixup(Process p, Vma v, ulong s, ulong e, VmFlags newFlags)
    {
        var old = v.Flags;
        if (newFlags == old) return (v, 0);
        if ((newFlags & VmFlags.Write) != 0)
        {
            // mprotect_fixup: a private mapping turning writable is charged for the pages of this fixup, and refused
            // with ENOMEM (VMAs fixed before it keep their new protection) when __vm_enough_memory says no.
            if ((old & (VmFlags.Account | VmFlags.Write | VmFlags.HugeTlb | VmFlags.Shared | VmFlags.NoReserve)) == 0)
            {
                if (!VmEnoughMemory((e - s) >> Mem.PageShift)) return (null, Errno.ENOMEM);
                newFlags |= VmFlags.Account;
            }
        }
        else if ((old & VmFlags.Account) != 0 && v.IsAnonymous && !v.HasAnonVma)
        {
            newFlags &= ~VmFlags.Account;
        }
        var (res, err) = Modify(p, v, s, e, newFlags, v.Name);
        if (err != 0) return (null, err);
        // A private, locked, read-only VMA made writable is populated with write faults.
        if ((old & (VmFlags.Write | VmFlags.Shared | VmFlags.Locked)) == VmFlags.Locked && (newFlags & VmFlags.Write) != 0)
            PopulateVma(p, res!, s, e);
        return (res, 0);
    }

    /// <summary>For the MprotectRollsBackBeforeHole mutation only: remembers flags so a failed call can undo them.</summary>
    List<(ulong start, ulong end, VmFlags flags)>? SnapshotFlags(Process p, ulong start, ulong end)
    {
        var list = new List<(ulong, ulong, VmFlags)>();
        for (var v = p.Vmas.FirstEndingAfter(start); v is not null && v.Start < end; v = p.Vmas.Next(v))
            list.Add((Math.Max(v.Start, start), Math.Min(v.End, end), v.Flags));
        return list;
    }

    static void Rollback(Process p, List<(ulong start, ulong end, VmFlags flags)>? snapshot)
    {
        if (snapshot is null) return;
        foreach (var (s, e, f) in snapshot)
            for (var v = p.Vmas.FirstEndingAfter(s); v is not null && v.Start < e; v = p.Vmas.Next(v))
                p.Vmas.Own(v).Flags = f;
    }
}
