using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Model.Checks;

/// <summary>
/// MAP_REFPAGE's open question as properties (docs/MAP-REFPAGE.md): what a later munmap, remap or write of the reference
/// page does to a mapping of it. They judge what the mapping's faults give, not how a variant keeps its reference, so
/// they tell "looked up on every fault" (RefPageRules.Corrected) from "taken at mmap" (RefPageRules.Pinned).
/// </summary>
public static class RefPageProperties
{
    /// <summary>Every property.</summary>
    public static readonly IReadOnlyList<Invariant> All =
    [
        new(nameof(FaultsKeepWorking), FaultsKeepWorking, m => m.Last is { Call: TouchCall or StoreCall, Outcome.Kind: OutcomeKind.Segv }),
        new(nameof(ReadsShareOnePage), ReadsShareOnePage, _ => true),
        new(nameof(ReadsFollowTheAddress), ReadsFollowTheAddress, _ => true),
    ];

    /// <summary>
    /// (munmap) A mapping that has read its reference page does not start failing: once a page of it is mapped, a fault
    /// on another never ends in SIGSEGV, whatever became of the reference page's address since.
    /// </summary>
    public static Violation? FaultsKeepWorking(LinuxModel m)
    {
        if (m.Last is not { Call: TouchCall or StoreCall, Outcome.Kind: OutcomeKind.Segv } last) return null;
        var (addr, write) = last.Call is TouchCall t ? (t.Addr, t.Write) : (((StoreCall)last.Call).Addr, true);
        var p = m.Processes[last.Call.Pid];
        if (p.Vmas.Containing(addr) is not { RefPage: not 0 } v || !Mapped(p, v).Any()) return null;
        // arch/x86/mm/fault.c:access_error refuses a write without VM_WRITE and a read without any access: that SIGSEGV
        // is the VMA's protection, not the reference page's
        if ((v.Flags & (write ? VmFlags.Write : VmFlags.AccessMask)) == 0) return null;
        return new(nameof(FaultsKeepWorking), p.Index, $"a fault at {addr:x} in a MAP_REFPAGE mapping that has pages mapped ended in SIGSEGV", [v]);
    }

    /// <summary>
    /// (remap) One mapping reads one page: every clean page of a MAP_REFPAGE mapping (mapped by a read, not written
    /// since) is the same page, however the reference page's address was remapped between the reads.
    /// </summary>
    public static Violation? ReadsShareOnePage(LinuxModel m)
    {
        foreach (var p in m.Processes)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
            {
                if (v.RefPage == 0) continue;
                Folio? first = null;
                foreach (var (vpn, pte) in Mapped(p, v))
                {
                    if (pte.Dirty || pte.Folio.IsZero) continue;
                    if (first is null) first = pte.Folio;
                    else if (!ReferenceEquals(first, pte.Folio))
                        return new(nameof(ReadsShareOnePage), p.Index, $"the clean page at {vpn << Mem.PageShift:x} is not the page the mapping's other reads gave", [v]);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// (write) A mapping shows what its address holds: every clean page of a MAP_REFPAGE mapping is the page now mapped
    /// at the reference address in the same process, when one is, so a later write there (even one that copies the
    /// page) shows through.
    /// </summary>
    public static Violation? ReadsFollowTheAddress(LinuxModel m)
    {
        foreach (var p in m.Processes)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
            {
                if (v.RefPage == 0 || !p.Ptes.TryGetValue(v.RefPage >> Mem.PageShift, out var at) || at.Folio.IsZero) continue;
                foreach (var (vpn, pte) in Mapped(p, v))
                    if (!pte.Dirty && !pte.Folio.IsZero && !ReferenceEquals(pte.Folio, at.Folio))
                        return new(nameof(ReadsFollowTheAddress), p.Index, $"the clean page at {vpn << Mem.PageShift:x} is not the page now at {v.RefPage:x}", [v]);
            }
        }
        return null;
    }

    /// <summary>
    /// The property asked of mremap alone: a violation counts only when the reference page's address of the mapping it
    /// names was moved or cut away by an mremap of the same process (LinuxModel.MremapVacated), so its shrunk
    /// counterexample keeps the mremap that does it.
    /// </summary>
    public static Invariant UnderMremap(Invariant property) => new(property.Name + "UnderMremap", m =>
        property.Check(m) is { } found && found.Vmas.Any(v => v.RefPage != 0 &&
            m.MremapVacated.Any(r => r.Pid == found.Pid && v.RefPage >= r.Start && v.RefPage < r.End))
            ? found with { Check = property.Name + "UnderMremap", Message = found.Message + " (mremap took its reference page's address)" }
            : null, property.Applies);

    /// <summary>Each property asked of mremap alone.</summary>
    public static readonly IReadOnlyList<Invariant> UnderMremapAll = All.Select(UnderMremap).ToList();

    static IEnumerable<(ulong Vpn, Pte Pte)> Mapped(Process p, Vma v)
    {
        for (ulong vpn = v.Start >> Mem.PageShift; vpn < v.End >> Mem.PageShift; vpn++)
            if (p.Ptes.TryGetValue(vpn, out var pte)) yield return (vpn, pte);
    }
}
