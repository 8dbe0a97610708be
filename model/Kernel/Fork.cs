using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// fork and exit: kernel/fork.c:dup_mmap, vm_area_dup; mm/rmap.c:anon_vma_fork; mm/memory.c:copy_page_range,
// vma_needs_copy, copy_present_pte; kernel/exit.c -> mm/mmap.c:exit_mmap.
public sealed partial class LinuxModel
{
    Outcome Fork(Process parent)
    {
        parent.TryFire(ProcessTrigger.Fork);
        var child = new Process(processes.Count)
        {
            // def_flags keeps only VM_NOHUGEPAGE, so MCL_FUTURE is not inherited; locked_vm starts at 0.
            DefFlags = parent.DefFlags & VmFlags.NoHugePage,
            CapIpcLock = parent.CapIpcLock,
            MemlockLimit = parent.MemlockLimit,
            MemlockHard = parent.MemlockHard,
        };
        foreach (var (h, f) in parent.Handles) child.Handles[h] = f;
        if (ForkChargeRefused(parent))
        {
            // copy_process fails: the half-built child mm is torn down and never runs, but its number is used up.
            child.TryFire(ProcessTrigger.Exit);
            processes.Add(child);
            return Outcome.Err(Errno.ENOMEM);
        }
        bool keepLocked = Mutated(Mutation.ChildKeepsLocked), skipNameRef = Mutated(Mutation.ForkSkipsNameRef);
        foreach (var chunk in parent.Vmas.Chunks)
        {
            if (!keepLocked && SharesVmas && chunk.TrueForAll(Shareable))
            {
                // The common case, a run of VMAs the child sees unchanged: share the whole chunk at once.
                foreach (var pv in chunk)
                {
                    if (!skipNameRef) NameShare(pv.Name, NameSite.Fork);
                    pv.Shared = true;
                }
                child.Vmas.AppendAll(chunk);
                continue;
            }
            ForkChunk(parent, child, chunk, keepLocked, skipNameRef);
        }
        processes.Add(child);
        return Outcome.Proc(child.Index);
    }

    /// <summary>Fork may share VMA objects only while parent and child would hold the same name object, not under strdup.</summary>
    bool SharesVmas => ForkSharesVmas && Profile.Naming != NamingDesign.Strdup;

    /// <summary>
    /// dup_mmap charges each copied VM_ACCOUNT VMA (security_vm_enough_memory_mm, per VMA) in address order, and a
    /// refusal fails the fork with ENOMEM. The VMAs copied before it leave one trace on the parent: copy_page_range has
    /// cleared the exclusive mark of their anonymous folios (folio_try_dup_anon_rmap_pte), and tearing the child down
    /// does not set it again.
    /// </summary>
    bool ForkChargeRefused(Process parent)
    {
        Vma? refused = null;
        foreach (var v in parent.Vmas.All())
            if ((v.Flags & (VmFlags.DontCopy | VmFlags.Account)) == VmFlags.Account && !VmEnoughMemory(v.Pages)) { refused = v; break; }
        if (refused is null) return false;
        foreach (var v in parent.Vmas.All())
        {
            if (ReferenceEquals(v, refused)) break;
            if ((v.Flags & (VmFlags.DontCopy | VmFlags.WipeOnFork)) == 0 && v.AnonId != 0) UnmarkExclusive(parent, v);
        }
        return true;
    }

    /// <summary>The parent's side of copy_page_range for one VMA: its anonymous folios are no longer exclusive.</summary>
    static void UnmarkExclusive(Process parent, Vma v)
    {
        ulong first = v.Start >> Mem.PageShift, last = v.End >> Mem.PageShift;
        foreach (var (vpn, pte) in parent.Ptes)
            if (vpn >= first && vpn < last && pte.Folio.Anon) pte.Folio.Exclusive = false;
    }

    /// <summary>The child's copy would equal the parent's VMA: no anon_vma to fork, and no lock to clear (unless kept).</summary>
    static bool SameInChild(Vma v, bool keepLocked) => v.AnonId == 0 && (keepLocked || (v.Flags & VmFlags.LockedMask) == 0);

    /// <summary>A chunk member the fast path may share: copied at all (not VM_DONTCOPY) and the same in the child.</summary>
    static readonly Predicate<Vma> Shareable = v => (v.Flags & VmFlags.DontCopy) == 0 && SameInChild(v, keepLocked: false);

    /// <summary>dup_mmap for one chunk of the parent's VMAs, one by one.</summary>
    void ForkChunk(Process parent, Process child, List<Vma> chunk, bool keepLocked, bool skipNameRef)
    {
        foreach (var pv in chunk)
        {
            if ((pv.Flags & VmFlags.DontCopy) != 0) continue;
            var name = skipNameRef ? pv.Name : NameShare(pv.Name, NameSite.Fork);
            if (SharesVmas && SameInChild(pv, keepLocked))
            {
                // The child's copy would equal the parent's: share the object; whoever changes it first copies it.
                pv.Shared = true;
                if (keepLocked && (pv.Flags & VmFlags.Locked) != 0) child.LockedVm += pv.Pages;
                child.Vmas.Append(pv);
                continue;
            }
            var cv = pv.CloneShallow();
            cv.Name = name;
            if (!keepLocked) cv.Flags &= ~VmFlags.LockedMask;
            bool wipe = (pv.Flags & VmFlags.WipeOnFork) != 0;
            if (wipe) cv.AnonId = 0;
            else if (pv.AnonId != 0) { cv.AnonId = NewAnonId(); cv.AnonSingular = false; }
            if (keepLocked && (cv.Flags & VmFlags.Locked) != 0) child.LockedVm += cv.Pages;
            child.Vmas.Append(cv);
            if (!wipe && pv.AnonId != 0) CopyPages(parent, child, pv);
        }
    }

    /// <summary>copy_page_range for one VMA: present pages become shared (mapcount+1); the child's entries are old.</summary>
    void CopyPages(Process parent, Process child, Vma v)
    {
        if (parent.Ptes.Count == 0) return;
        bool shared = (v.Flags & VmFlags.Shared) != 0;
        for (ulong vpn = v.Start >> Mem.PageShift, last = v.End >> Mem.PageShift; vpn < last; vpn++)
        {
            if (!parent.Ptes.TryGetValue(vpn, out var pte)) continue;
            if (!pte.Folio.IsZero)
            {
                pte.Folio.MapCount++;
                AddRss(child, pte.Folio.Counter, 1); // copy_present_ptes: rss[mm_counter(folio)]++
            }
            if (pte.Folio.Anon) pte.Folio.Exclusive = false; // folio_try_dup_anon_rmap_pte: both sides now write-fault first
            child.Ptes[vpn] = new Pte { Folio = pte.Folio, Dirty = pte.Dirty && !shared, Young = false };
        }
    }

    Outcome Exit(Process p)
    {
        if (Profile.DrainsBeforeUnmap) DrainLocal(); // exit_mmap: lru_add_drain before unmap_vmas (before 6.14)
        foreach (var v in p.Vmas.All().ToList())
        {
            ZapVma(p, v);
            RemoveVma(p, v, NameSite.Exit);
        }
        p.LockedVm = p.LockedVmAdrift = 0;
        p.TryFire(ProcessTrigger.Exit);
        return Outcome.Ok;
    }
}
