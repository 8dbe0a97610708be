using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// madvise fork/dump flags, MADV_DONTNEED and anonymous naming: mm/madvise.c:do_madvise, madvise_walk_vmas, madvise_vma_behavior,
// madvise_update_vma, madvise_set_anon_name, madvise_vma_anon_name; kernel/sys.c:prctl_set_vma, is_valid_name_char;
// mm/util.c:strndup_user; mm/madvise.c:replace_anon_vma_name.
public sealed partial class LinuxModel
{
    delegate Errno Visit(Process p, Vma v, ulong s, ulong e, out Vma result);

    Outcome Madvise(Process p, ulong start, ulong lenIn, int advice)
    {
        if (advice is not (Madv.DontFork or Madv.DoFork or Madv.WipeOnFork or Madv.KeepOnFork or Madv.DontDump or Madv.DoDump or Madv.DontNeed))
            return Outcome.Err(Errno.EINVAL);
        if (!Mem.Aligned(start)) return Outcome.Err(Errno.EINVAL);
        ulong len = Mem.PageAlign(lenIn);
        if (lenIn != 0 && len == 0) return Outcome.Err(Errno.EINVAL);
        ulong end = start + len;
        if (end < start) return Outcome.Err(Errno.EINVAL);
        if (end == start) return Outcome.Ok;
        var err = advice == Madv.DontNeed
            ? WalkVmas(p, start, end, MadviseDontNeed)
            : WalkVmas(p, start, end, (Process q, Vma v, ulong s, ulong e, out Vma r) => MadviseBehavior(q, v, s, e, advice, out r));
        return err == 0 ? Outcome.Ok : Outcome.Err(err);
    }

    /// <summary>
    /// madvise_dontneed_free for MADV_DONTNEED: a VM_LOCKED or VM_PFNMAP VMA refuses (madvise_dontneed_free_valid_vma);
    /// otherwise madvise_dontneed_single_vma zaps the range's PTEs as munmap would (zap_page_range_single, which
    /// drains the local batches first) and leaves the VMA as it is: no split, no flag, the anon_vma kept.
    /// </summary>
    Errno MadviseDontNeed(Process p, Vma v, ulong s, ulong e, out Vma result)
    {
        result = v;
        if ((v.Flags & (VmFlags.Locked | VmFlags.PfnMap)) != 0) return Errno.EINVAL;
        if (s == e) return 0;
        DrainLocal();
        ZapRange(p, v, s, e);
        return 0;
    }

    Errno MadviseBehavior(Process p, Vma v, ulong s, ulong e, int advice, out Vma result)
    {
        result = v;
        var newFlags = v.Flags;
        switch (advice)
        {
            case Madv.DontFork: newFlags |= VmFlags.DontCopy; break;
            case Madv.DoFork:
                if ((v.Flags & VmFlags.Io) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.DontCopy; break;
            case Madv.WipeOnFork:
                if (v.File is not null || (v.Flags & VmFlags.Shared) != 0) return Errno.EINVAL;
                newFlags |= VmFlags.WipeOnFork; break;
            case Madv.KeepOnFork:
                if ((v.Flags & VmFlags.Droppable) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.WipeOnFork; break;
            case Madv.DontDump: newFlags |= VmFlags.DontDump; break;
            case Madv.DoDump:
                if ((newFlags & VmFlags.Special) != 0 || (v.Flags & VmFlags.Droppable) != 0) return Errno.EINVAL;
                newFlags &= ~VmFlags.DontDump; break;
        }
        var err = UpdateVma(p, v, s, e, newFlags, v.Name, out result);
        return err == Errno.ENOMEM ? Errno.EAGAIN : err;
    }

    /// <summary>madvise_update_vma: nothing changes, nothing splits; otherwise modify (which writes flags and name).</summary>
    Errno UpdateVma(Process p, Vma v, ulong s, ulong e, VmFlags newFlags, AnonName? name, out Vma result)
    {
        result = v;
        if (newFlags == v.Flags && NameEq(v.Name, name)) return 0;
        var (res, err) = Modify(p, v, s, e, newFlags, name);
        if (err != 0) return err;
        result = res!;
        return 0;
    }

    /// <summary>replace_anon_vma_name: NULL clears, an equal string keeps the old object, otherwise take a reference.</summary>
    void ReplaceName(Vma v, AnonName? name)
    {
        var orig = v.Name;
        if (name is null) { v.Name = null; NamePut(orig); return; }
        if (NameEq(orig, name)) return;
        v.Name = NameShare(name, NameSite.Prctl);
        NamePut(orig);
    }

    /// <summary>madvise_walk_vmas: gaps are remembered as ENOMEM and skipped; the first visit error stops the walk.</summary>
    Errno WalkVmas(Process p, ulong start, ulong end, Visit visit)
    {
        Errno unmapped = 0;
        var v = p.Vmas.FirstEndingAfter(start);
        while (true)
        {
            if (v is null) return Errno.ENOMEM;
            if (start < v.Start)
            {
                unmapped = Errno.ENOMEM;
                start = v.Start;
                if (start >= end) break;
            }
            ulong tmp = Math.Min(v.End, end);
            var err = visit(p, v, start, tmp, out var prev);
            if (err != 0) return err;
            start = tmp;
            if (start < prev.End) start = prev.End;
            if (start >= end) break;
            v = p.Vmas.FirstEndingAfter(prev.End);
        }
        return unmapped;
    }

    Outcome SetAnonName(Process p, NameCall c)
    {
        if (!Profile.AnonVmaName) return Outcome.Err(Errno.EINVAL);
        if (c.Option != Prctl.SetVmaAnonName) return Outcome.Err(Errno.EINVAL);
        var (anonName, err) = MakeName(p, c.Name, c.BadPointer, c.From);
        if (err != 0) return Outcome.Err(err);
        var result = SetAnonNameRange(p, c.Addr, c.Len, anonName);
        NamePut(anonName); // the prctl caller's own reference
        return result;
    }

    Outcome SetAnonNameRange(Process p, ulong start, ulong lenIn, AnonName? name)
    {
        if (!Mem.Aligned(start)) return Outcome.Err(Errno.EINVAL);
        ulong len = Mem.PageAlign(lenIn);
        if (lenIn != 0 && len == 0) return Outcome.Err(Errno.EINVAL);
        ulong end = start + len;
        if (end < start) return Outcome.Err(Errno.EINVAL);
        if (end == start) return Outcome.Ok;
        var err = WalkVmas(p, start, end, (Process q, Vma v, ulong s, ulong e, out Vma r) =>
        {
            r = v;
            if (v.File is not null && !v.IsAnonShmem) return Errno.EBADF;
            var e2 = UpdateVma(q, v, s, e, v.Flags, name, out r);
            return e2 == Errno.ENOMEM ? Errno.EAGAIN : e2;
        });
        return err == 0 ? Outcome.Ok : Outcome.Err(err);
    }
}

/// <summary>The kernel's rule for name characters (kernel/sys.c:is_valid_name_char) and length.</summary>
public static class NameRules
{
    /// <summary>Printable ASCII except \ ` $ [ ].</summary>
    public static bool IsValidChar(char ch) => ch >= 0x20 && ch <= 0x7e && ch is not ('\\' or '`' or '$' or '[' or ']');

    /// <summary>Every character valid (the length limit is checked separately, with the NUL counted).</summary>
    public static bool IsValid(string name)
    {
        foreach (var ch in name) if (!IsValidChar(ch)) return false;
        return true;
    }
}
