using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// munmap: mm/mmap.c:__vm_munmap -> mm/vma.c:do_vmi_munmap, vms_gather_munmap_vmas, vms_complete_munmap_vmas.
public sealed partial class LinuxModel
{
    Outcome Munmap(Process p, ulong start, ulong len)
    {
        if (!Mem.Aligned(start) || start > Mem.TaskSize || len > Mem.TaskSize - start) return Outcome.Err(Errno.EINVAL);
        ulong end = start + Mem.PageAlign(len);
        if (end == start) return Outcome.Err(Errno.EINVAL);
        bool hole = Mutated(Mutation.MunmapReportsHoles) && HasHole(p, start, end);
        var err = GatherAndUnmap(p, start, end, out _, out _);
        if (err != 0) return Outcome.Err(err);
        return hole ? Outcome.Err(Errno.ENOMEM) : Outcome.Ok;
    }

    bool HasHole(Process p, ulong start, ulong end)
    {
        ulong at = start;
        for (var v = p.Vmas.FirstEndingAfter(start); v is not null && v.Start < end; v = p.Vmas.Next(v))
        {
            if (v.Start > at) return true;
            at = v.End;
        }
        return at < end;
    }

    /// <summary>
    /// Removes every VMA piece in [start,end), splitting the boundary VMAs, and drops their pages, names and locked
    /// pages. prev and next are the VMAs left just outside the range. Only the first split checks map_count.
    /// </summary>
    Errno GatherAndUnmap(Process p, ulong start, ulong end, out Vma? prev, out Vma? next)
    {
        var v = p.Vmas.FirstEndingAfter(start);
        if (v is null || v.Start >= end)
        {
            prev = v is null ? p.Vmas.LastStartingBelow(ulong.MaxValue) : p.Vmas.Prev(v);
            next = v;
            return 0;
        }
        if (v.Start < start)
        {
            if (end < v.End && p.Vmas.Count >= Profile.MaxMapCount) { prev = next = null; return Errno.ENOMEM; }
            v = Split(p, ref v, start);
        }
        if (Profile.DrainsBeforeUnmap) DrainLocal(); // vms_clear_ptes: lru_add_drain before unmap_vmas (before 6.14)
        while (v is not null && v.Start < end)
        {
            if (v.End > end) Split(p, ref v, end);
            var following = p.Vmas.Next(v);
            if ((v.Flags & VmFlags.Locked) != 0) p.LockedVm -= v.Pages;
            ZapVma(p, v);
            RemoveVma(p, v, NameSite.Unmap);
            v = following;
        }
        next = v;
        prev = p.Vmas.LastStartingBelow(start);
        return 0;
    }
}
