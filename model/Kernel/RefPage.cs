using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// MAP_REFPAGE (seed 003), the posted patch on 6.12's fault path: handle_pte_fault -> do_fault (the VMA has vm_ops) ->
// do_read_fault or do_cow_fault -> __do_fault -> refpage_fault (get_user_pages of vm_private_data, looked up by
// address on every fault) -> finish_fault -> set_pte_range; a present page goes to do_wp_page. docs/MAP-REFPAGE.md.
public sealed partial class LinuxModel
{
    FaultResult RefPageFault(Process p, Vma v, ulong addr, bool write, bool had, Pte pte)
    {
        ulong vpn = addr >> Mem.PageShift;
        if (had)
        {
            // do_wp_page: an anonymous folio that is exclusive (or has no other reference) is reused in place, even
            // when it is the reference page itself, mapped here by an earlier read.
            if (pte.Folio.Anon)
            {
                PrivateAnonFault(p, v, vpn, write, had, pte);
                return FaultResult.Ok;
            }
            if (!write)
            {
                pte.Young = true;
                p.Ptes[vpn] = pte;
                return FaultResult.Ok;
            }
            // wp_page_copy of a page cache page: its count goes, an anonymous page's comes.
            MapAnonCopy(p, AnonPrepare(p, v), vpn, pte.Folio, replaces: true);
            return FaultResult.Ok;
        }
        // do_cow_fault prepares the anon_vma (vmf_anon_prepare) before it asks ->fault for the page to copy.
        if (write) v = AnonPrepare(p, v);
        // RefPageRules.Pinned: the page mmap took, never looked up again (no get_user_pages, so no FOLL_TOUCH either).
        if ((v.RefFolio ?? GupReference(p, v.RefPage)) is not { } reference) return FaultResult.SigSegv; // VM_FAULT_SIGSEGV
        if (write)
        {
            // finish_fault of the COW page: MM_ANONPAGES, a new anonymous rmap, the reference page copied.
            MapAnonCopy(p, v, vpn, reference, replaces: false);
            return FaultResult.Ok;
        }
        // do_read_fault (no fault-around: refpage_vmops has no map_pages) -> finish_fault: the reference page itself is
        // mapped with a file rmap, and counted as add_mm_counter(mm, mm_counter_file(folio)) does. An anonymous folio is
        // swap-backed, so the posted patch counts it as MM_SHMEMPAGES, while zap_present_folio_ptes will take it off
        // mm_counter(folio), MM_ANONPAGES: check_mm's "Bad rss-counter state" at exit. The correction (and the pinned
        // variant) counts it by mm_counter at both ends.
        reference.MapCount++;
        AddRss(p, Profile.RefPage == RefPageRules.Posted ? reference.CounterFile : reference.Counter, 1);
        p.Ptes[vpn] = new Pte { Folio = reference, Young = true };
        MlockVma(reference, v);
        return FaultResult.Ok;
    }

    /// <summary>
    /// The references pinned MAP_REFPAGE mappings hold to a folio (RefPageRules.Pinned): one per VMA in each process,
    /// as each copy of the VMA (a split, a fork) takes its own and each unmap drops one.
    /// </summary>
    int HeldByRefPages(Folio folio)
    {
        if (Profile.RefPage != RefPageRules.Pinned) return 0;
        int n = 0;
        foreach (var p in processes)
            if (p.Running)
                foreach (var v in p.Vmas.All())
                    if (ReferenceEquals(v.RefFolio, folio)) n++;
        return n;
    }

    /// <summary>
    /// refpage_fault's get_user_pages(address, 1, 0, &amp;page): gup_vma_lookup (no stack expansion), check_vma_flags (a
    /// read needs VM_READ and no VM_IO or VM_PFNMAP), faultin_page for a missing page, and FOLL_TOUCH's
    /// folio_mark_accessed. Null where it fails.
    /// </summary>
    Folio? GupReference(Process p, ulong address)
    {
        var rv = p.Vmas.Containing(address);
        if (rv is null || (rv.Flags & VmFlags.Read) == 0 || (rv.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0) return null;
        if (rv.RefPage != 0)
            throw new TraceException($"the reference page {address:x} lies in a MAP_REFPAGE mapping itself: refpage_fault would " +
                                     "fault through it again, recursively; the model does not follow that");
        ulong page = address & ~(Mem.PageSize - 1), vpn = page >> Mem.PageShift;
        if (!p.Ptes.ContainsKey(vpn) && Fault(p, rv, page, write: false) != FaultResult.Ok) return null;
        var folio = p.Ptes[vpn].Folio;
        if (folio.IsZero)
            throw new TraceException($"the reference page {address:x} is the zero page: refpage_fault would map it with a " +
                                     "PTE that is not special, which the model does not follow (write the page first)");
        MarkAccessed(folio);
        return folio;
    }
}
