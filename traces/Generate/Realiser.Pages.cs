using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.State;
using AnonVma.Model.Text;

namespace AnonVma.Traces.Generate;

// Coverage of the page situations where smaps accounting goes wrong (Shared/Private, Dirty, Rss, Locked): shmem pages
// mapped twice, private COW of page-cache pages, fault-around over a partly filled page cache, forks of locked
// anonymous pages, children writing shared memory, and unmapping dirty shared pages. Each is decided from the model's
// state just before and just after the one call, and only for the calls that can reach it, so the per-call cost stays
// a few dictionary lookups.
public sealed partial class Realiser
{
    /// <summary>Pages of the fault-around window (fault_around_bytes, 64 KiB), as model/Kernel/Fault.cs has it.</summary>
    const ulong FaultAroundPages = 16;

    /// <summary>What the page labels need from before the call: the window state of a read fault, a fork of locked pages.</summary>
    readonly record struct PagePre(bool FaultAroundPartial, bool ForkLockedAnon);

    /// <summary>A present PTE of a page-cache folio in the call's range, as it was before the call.</summary>
    readonly record struct CachePte(ulong Vpn, Pte Pte, Vma Vma, ulong Index);

    /// <summary>The page-cache PTEs of the calling process in the call's range before it (reused from call to call).</summary>
    readonly List<CachePte> cacheBefore = new();

    static bool PageCache(Folio f) => !f.Anon && !f.IsZero;

    /// <summary>The calling process's pages a call may map, copy or drop: the touched VMA (fault-around maps within it), the call's range, everything at exit.</summary>
    static (ulong Start, ulong End) Scope(Process p, Call call) => call switch
    {
        TouchCall t => p.Vmas.Containing(t.Addr) is { } v ? (v.Start, v.End) : (0, 0),
        ExitCall => (0, ulong.MaxValue),
        MmapCall or MunmapCall or MlockCall or Mlock2Call => RangeOf(call) ?? (0, 0),
        _ => (0, 0),
    };

    /// <summary>The present PTEs in the call's <see cref="Scope"/>; its end rounds up without overflowing at the top of the space.</summary>
    static IEnumerable<(ulong Vpn, Pte Pte)> PtesInScope(Process p, Call call)
    {
        var (s, e) = Scope(p, call);
        return p.Present(s >> Mem.PageShift, (e >> Mem.PageShift) + ((e & (Mem.PageSize - 1)) != 0 ? 1UL : 0));
    }

    PagePre PagesBefore(Process p, Call call)
    {
        cacheBefore.Clear();
        foreach (var (vpn, pte) in PtesInScope(p, call))
            if (PageCache(pte.Folio) && p.Vmas.Containing(vpn << Mem.PageShift) is { File: not null } v)
                cacheBefore.Add(new CachePte(vpn, pte, v, v.PgOff + (vpn - (v.Start >> Mem.PageShift))));
        return new PagePre(call is TouchCall { Write: false } t && FaultAroundPartial(p, t.Addr), call is ForkCall && LockedAnonPresent(p));
    }

    /// <summary>
    /// A read that faults (no PTE yet) on a file-backed VMA whose fault-around window, computed as do_fault_around does
    /// (16-page aligned within the page table, clamped to the VMA and to i_size), holds both pages in the page cache
    /// and pages not in it: filemap_map_pages maps only some of the window.
    /// </summary>
    static bool FaultAroundPartial(Process p, ulong addr)
    {
        var v = p.Vmas.Containing(addr);
        if (v?.File is not { } file || (v.Flags & VmFlags.AccessMask) == 0 || p.Ptes.ContainsKey(addr >> Mem.PageShift)) return false;
        const ulong ptePerTable = 512;
        ulong pteOff = (addr >> Mem.PageShift) % ptePerTable, vmaOff = (addr - v.Start) >> Mem.PageShift;
        ulong from = Math.Max(pteOff / FaultAroundPages * FaultAroundPages, pteOff - Math.Min(pteOff, vmaOff));
        ulong to = Math.Min(Math.Min(from + FaultAroundPages, ptePerTable), pteOff + v.Pages - vmaOff); // exclusive
        ulong fileEnd = (file.Size + Mem.PageSize - 1) >> Mem.PageShift;
        ulong firstIndex = v.PgOff + vmaOff - pteOff; // the file index of page-table slot 0
        bool cached = false, missing = false;
        for (ulong i = from; i < to; i++)
        {
            ulong index = firstIndex + i;
            if (index >= fileEnd) break;
            if (file.Pages.ContainsKey(index)) cached = true; else missing = true;
        }
        return cached && missing;
    }

    /// <summary>A VM_LOCKED VMA the child gets with its pages (not VM_DONTCOPY or VM_WIPEONFORK) that has a present anonymous page.</summary>
    static bool LockedAnonPresent(Process p) =>
        p.Vmas.All().Any(v => (v.Flags & VmFlags.Locked) != 0 && (v.Flags & (VmFlags.DontCopy | VmFlags.WipeOnFork)) == 0 &&
                              p.Present(v.Start >> Mem.PageShift, v.End >> Mem.PageShift).Any(x => x.Pte.Folio.Anon));

    void PagesAfter(Process p, Call call, Outcome outcome, PagePre pre, Vma? touched)
    {
        var cov = coverage!;
        if (pre.FaultAroundPartial) cov.Hit("pages/fault-around-partial");
        if (pre.ForkLockedAnon && outcome.Kind == OutcomeKind.Process) cov.Hit("pages/fork-locked-anon");
        if (call is TouchCall { Write: true } && p.Index != 0 && touched is not null && (touched.Flags & VmFlags.Shared) != 0 &&
            outcome.Kind == OutcomeKind.Value)
            cov.Hit("pages/child-shared-write");
        if (SharedFileMapping(p, call, outcome)) cov.Hit("pages/shmem-multi-map");
        // A write (or a FOLL_WRITE population) replaced a page-cache page of a MAP_PRIVATE file VMA by an anonymous copy.
        if (call is TouchCall { Write: true } or MlockCall or Mlock2Call &&
            cacheBefore.Any(c => (c.Vma.Flags & VmFlags.Shared) == 0 && p.Ptes.TryGetValue(c.Vpn, out var pte) && pte.Folio.Anon))
            cov.Hit("pages/private-file-cow");
        if (call is MunmapCall or MmapCall or ExitCall && cacheBefore.Any(c => DirtyAndGoneButLive(p, c)))
            cov.Hit("pages/unmap-dirty-shared");
    }

    /// <summary>A dirty page-cache PTE went away while its folio lives on: mapped elsewhere, or still in the page cache.</summary>
    static bool DirtyAndGoneButLive(Process p, CachePte c)
    {
        var folio = c.Pte.Folio;
        if (!c.Pte.Dirty || p.Ptes.TryGetValue(c.Vpn, out var now) && ReferenceEquals(now.Folio, folio)) return false;
        return folio.MapCount > 0 || c.Vma.File!.Pages.TryGetValue(c.Index, out var cached) && ReferenceEquals(cached, folio);
    }

    /// <summary>
    /// The call mapped a page-cache folio (shmem, memfd) into the calling process, or fork into the child, and that
    /// folio is now mapped at least twice: by two VMAs of one process or by two processes.
    /// </summary>
    bool SharedFileMapping(Process p, Call call, Outcome outcome)
    {
        if (call is ForkCall)
            return outcome.Kind == OutcomeKind.Process &&
                   Model.Processes[(int)outcome.Value].Ptes.Values.Any(pte => PageCache(pte.Folio) && pte.Folio.MapCount >= 2);
        if (call is not (TouchCall or MmapCall or MlockCall or Mlock2Call) || outcome.IsError) return false;
        return PtesInScope(p, call).Any(x => PageCache(x.Pte.Folio) && x.Pte.Folio.MapCount >= 2 &&
                                             !cacheBefore.Any(c => c.Vpn == x.Vpn && ReferenceEquals(c.Pte.Folio, x.Pte.Folio)));
    }
}
