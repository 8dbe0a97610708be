using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Model.Checks;

/// <summary>
/// The named invariants. Each returns the first violation it finds, or null. The state checks hold after any call;
/// the operation checks (merge, population, fork) judge what the most recent call did.
/// </summary>
public static class Invariants
{
    /// <summary>Every check by name, in the order <see cref="First"/> runs them, with the precondition under which it can fail.</summary>
    public static readonly IReadOnlyList<Invariant> All =
    [
        new(nameof(WellFormed), WellFormed, m => AnyProcess(m, static p => p.Vmas.Count >= 2)),
        new(nameof(NamesValid), NamesValid, m => AnyProcess(m, static p => AnyVma(p, static v => v.Name is not null))),
        new(nameof(NameRefcountBalance), NameRefcountBalance, m => m.LiveNames.Any(n => n.Refs >= 2)),
        new(nameof(LockedVmBalance), LockedVmBalance, m => AnyProcess(m, static p => p.LockedVm > 0)),
        new(nameof(RssCountersMatchPageTables), RssCountersMatchPageTables, m => AnyProcess(m, static p => p.Ptes.Count > 0)),
        new(nameof(RssZeroAtExit), RssZeroAtExit, m => m.Last is { Call: ExitCall }),
        new(nameof(MergeOnEqualName), MergeOnEqualName, MergesBesideEqualName),
        new(nameof(SplitKeepsName), SplitKeepsName, m => m.Last is { } l && l.Splits.Any(s => s.Before.Name is not null)),
        new(nameof(MlockPopulated), MlockPopulated, m => m.Last is { Outcome.IsError: false } l &&
                                                         (l.Call is MlockCall or Mlock2Call || l.Call is MmapCall c && (c.Flags & Map.Locked) != 0)),
        new(nameof(ForkChildConsistent), ForkChildConsistent, m => m.Last is { Call: ForkCall, Outcome.Kind: OutcomeKind.Process }),
    ];

    static bool AnyProcess(LinuxModel m, Func<Process, bool> test)
    {
        foreach (var p in m.ProcessList)
            if (p.Running && test(p)) return true;
        return false;
    }

    static bool AnyVma(Process p, Func<Vma, bool> test)
    {
        foreach (var v in p.Vmas.All())
            if (test(v)) return true;
        return false;
    }

    /// <summary>The last call merged a VMA with an adjacent neighbour of the same name (what MergeOnEqualName judges).</summary>
    static bool MergesBesideEqualName(LinuxModel m)
    {
        if (m.Last is not { } last) return false;
        foreach (var site in last.Sites)
            if (SameName(site.Left, site.Result.Name) && site.Left!.Value.End == site.Result.Start ||
                SameName(site.Right, site.Result.Name) && site.Right!.Value.Start == site.Result.End)
                return true;
        return false;
    }

    static bool SameName(VmaShot? v, AnonName? n) =>
        v is { } s && (s.Name is null ? n is null : n is not null && s.Name.Value == n.Value);

    // Every check runs after every call of a checked run, and the state checks walk every VMA of every live process.
    // They loop over concrete lists and the VMA list's struct enumerator, not LINQ or iterators, so no check allocates
    // unless it fails. Checked runs (scenarios, properties, the bench) mostly end before tiered compilation would
    // optimise them: it waits for 30 calls and a 100 ms lull in new compilation, then compiles in the background. So
    // each check is compiled optimised at its first call (AggressiveOptimization).

    /// <summary>The first violation of any check, or null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? First(LinuxModel m)
    {
        for (int i = 0; i < All.Count; i++) // by index: a foreach over the interface would allocate an enumerator per call
            if (All[i].Check(m) is { } v) return v;
        return null;
    }

    /// <summary>Sorted, non-overlapping, page-aligned, non-empty, inside the user address space.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? WellFormed(LinuxModel m)
    {
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            Vma? prev = null;
            int count = 0;
            foreach (var v in p.Vmas.All())
            {
                count++;
                if (!Mem.Aligned(v.Start) || !Mem.Aligned(v.End)) return new(nameof(WellFormed), p.Index, "not page aligned", [v]);
                if (v.End <= v.Start) return new(nameof(WellFormed), p.Index, "empty or inverted", [v]);
                if (v.End > Mem.TaskSize) return new(nameof(WellFormed), p.Index, "beyond TASK_SIZE", [v]);
                if (prev is not null && prev.End > v.Start) return new(nameof(WellFormed), p.Index, "overlaps or out of order", [prev, v]);
                prev = v;
            }
            if (count != p.Vmas.Count) return new(nameof(WellFormed), p.Index, $"map_count {p.Vmas.Count} but {count} VMAs", []);
        }
        return null;
    }

    /// <summary>Names are valid strings and sit only on anonymous or anonymous-shmem VMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? NamesValid(LinuxModel m)
    {
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
            {
                if (v.Name is not { } n) continue;
                if (n.Value.Length + 1 > Prctl.AnonNameMax || !NameRules.IsValid(n.Value))
                    return new(nameof(NamesValid), p.Index, $"invalid name \"{n.Value}\"", [v]);
                if (v.File is { IsAnonShmem: false })
                    return new(nameof(NamesValid), p.Index, "name on a file-backed VMA", [v]);
            }
        }
        return null;
    }

    /// <summary>
    /// Each live name object's count equals the VMAs pointing at it across live processes, its lifecycle state agrees
    /// with that count, no VMA reaches a freed object, and nothing was taken or dropped against the lifecycle.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? NameRefcountBalance(LinuxModel m)
    {
        if (m.LifecycleViolations.Count > 0) return new(nameof(NameRefcountBalance), -1, m.LifecycleViolations[0], []);
        // Count the holders of each name object, in the order the walk first meets them (a Dictionary without removals
        // enumerates in insertion order); which VMAs they are is gathered again only for a report.
        var holders = HolderScratch();
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
                if (v.Name is { } n) CollectionsMarshal.GetValueRefOrAddDefault(holders, n, out _)++;
        }
        var live = m.LiveNameSet;
        foreach (var (n, count) in holders)
        {
            if (n.State == NameState.Freed || !live.Contains(n))
            {
                var (pid, vmas) = Holders(m, n);
                return new(nameof(NameRefcountBalance), pid, $"VMA reaches freed name {n}", [vmas[0]]);
            }
            if (n.Refs != count)
            {
                var (pid, vmas) = Holders(m, n);
                return new(nameof(NameRefcountBalance), pid, $"name {n} has {n.Refs} references but {count} VMAs hold it", vmas);
            }
        }
        foreach (var n in live)
        {
            if (!holders.ContainsKey(n)) return new(nameof(NameRefcountBalance), -1, $"name {n} is live but no VMA holds it (leak)", []);
            var expected = n.Refs == 1 ? NameState.Allocated : NameState.Shared;
            if (n.State != expected) return new(nameof(NameRefcountBalance), -1, $"name {n} is in state {n.State} with {n.Refs} references", []);
        }
        return null;
    }

    /// <summary>
    /// The empty count map NameRefcountBalance reuses from call to call, per thread since checks of different models may
    /// run in parallel. Clear costs the map's whole capacity, so one grown by a huge model is dropped once it is
    /// no longer needed.
    /// </summary>
    static Dictionary<AnonName, int> HolderScratch()
    {
        var d = holderScratch;
        if (d is null || (d.Count < 1024 && d.EnsureCapacity(0) > 4096))
            return holderScratch = new(ReferenceEqualityComparer.Instance);
        d.Clear();
        return d;
    }

    [ThreadStatic] static Dictionary<AnonName, int>? holderScratch;

    /// <summary>The live processes' VMAs that hold n, in process and address order, and the first one's process.</summary>
    static (int Pid, List<Vma> Vmas) Holders(LinuxModel m, AnonName n)
    {
        int pid = -1;
        var vmas = new List<Vma>();
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
                if (ReferenceEquals(v.Name, n))
                {
                    if (pid < 0) pid = p.Index;
                    vmas.Add(v);
                }
        }
        return (pid, vmas);
    }

    /// <summary>locked_vm equals the pages of the process's VM_LOCKED VMAs, plus what the reworked mremap left adrift (<see cref="Process.LockedVmAdrift"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? LockedVmBalance(LinuxModel m)
    {
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            ulong sum = p.LockedVmaPages();
            if (sum + p.LockedVmAdrift != p.LockedVm)
                return new(nameof(LockedVmBalance), p.Index, $"locked_vm {p.LockedVm} pages but locked VMAs hold {sum}" +
                    (p.LockedVmAdrift == 0 ? "" : $" and {p.LockedVmAdrift} are adrift"), []);
        }
        return null;
    }

    /// <summary>
    /// Each live process's RSS counters, kept call by call as the kernel keeps them, equal a recount of its page table by
    /// each folio's kind now (mm_counter), which is also what smaps' Rss adds up: every present page but the zero page.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? RssCountersMatchPageTables(LinuxModel m)
    {
        Span<long> recount = stackalloc long[4];
        foreach (var p in m.ProcessList)
        {
            if (!p.Running) continue;
            recount.Clear();
            foreach (var pte in p.Ptes.Values)
                if (!pte.Folio.IsZero) recount[(int)pte.Folio.Counter]++;
            for (int i = 0; i < 4; i++)
                if (recount[i] != p.Rss[i])
                    return new(nameof(RssCountersMatchPageTables), p.Index, $"{(RssCounter)i} is {p.Rss[i]} but the page table holds {recount[i]} such pages", []);
        }
        return null;
    }

    /// <summary>
    /// A process that exited left every RSS counter at zero: kernel/fork.c:check_mm, which otherwise prints
    /// "BUG: Bad rss-counter state mm:… idx:N val:V" for each counter that is not.
    /// </summary>
    public static Violation? RssZeroAtExit(LinuxModel m)
    {
        if (m.Last is not { Call: ExitCall exit }) return null;
        var p = m.ProcessList[exit.Pid];
        var bad = Enumerable.Range(0, 4).Where(i => p.Rss[i] != 0).Select(i => $"idx:{i} val:{p.Rss[i]}").ToList();
        return bad.Count == 0 ? null : new(nameof(RssZeroAtExit), p.Index, "Bad rss-counter state " + string.Join(", ", bad), []);
    }

    /// <summary>
    /// Where the last call modified or mapped a range, the VMA covering it, as the operation left it, is not apart from
    /// a neighbour at the range's edge that Linux's merge predicate would have merged it with. The check reads the
    /// site's copies (MergeSite), not the live state, which faults later in the same call may have changed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? MergeOnEqualName(LinuxModel m)
    {
        if (!m.TracksMergeSites)
            throw new InvalidOperationException($"{nameof(MergeOnEqualName)} needs a model created with {nameof(LinuxModel.TracksMergeSites)} = true");
        if (m.Last is not { } last) return null;
        for (int i = 0; i < last.Sites.Count; i++)
        {
            var site = last.Sites[i];
            var v = site.Result;
            if (v.Start == site.Start && site.Left is { } left && left.End == v.Start && MergePredicate.WouldMerge(m.Profile, v, left))
                return new(nameof(MergeOnEqualName), site.Pid, "left apart from its left neighbour", [left.ToVma(), v.ToVma()]);
            if (v.End == site.End && site.Right is { } right && right.Start == v.End && MergePredicate.WouldMerge(m.Profile, v, right))
                return new(nameof(MergeOnEqualName), site.Pid, "left apart from its right neighbour", [v.ToVma(), right.ToVma()]);
        }
        return null;
    }

    /// <summary>
    /// A split VMA's halves both point at the original's name object (vm_area_dup copies anon_name and takes a
    /// reference), whatever the call then does to one half.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? SplitKeepsName(LinuxModel m)
    {
        if (m.Last is not { } last) return null;
        foreach (var s in last.Splits)
            if (!ReferenceEquals(s.Lower.Name, s.Before.Name) || !ReferenceEquals(s.Upper.Name, s.Before.Name))
                return new(nameof(SplitKeepsName), s.Pid, $"split of a VMA named {s.Before.Name?.ToString() ?? "NULL"} gave halves named {s.Lower.Name?.ToString() ?? "NULL"} and {s.Upper.Name?.ToString() ?? "NULL"}",
                    [s.Lower.ToVma(), s.Upper.ToVma()]);
        return null;
    }

    /// <summary>After a successful mlock, mlock2, mlockall(MCL_CURRENT) or MAP_LOCKED mmap, the locked pages it covered are present, unless lock-on-fault, PROT_NONE or past the end of the file.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? MlockPopulated(LinuxModel m)
    {
        if (m.Last is not { Outcome.IsError: false } last) return null;
        (ulong s, ulong e) range;
        switch (last.Call)
        {
            case MlockCall c: range = LockRange(c.Addr, c.Len); break;
            case Mlock2Call c: range = LockRange(c.Addr, c.Len); break;
            case MlockallCall c when (c.Flags & Mlock.McCurrent) != 0: range = (0, Mem.TaskSize); break;
            case MmapCall c when (c.Flags & Map.Locked) != 0: range = (last.Outcome.Value, last.Outcome.Value + Mem.PageAlign(c.Len)); break;
            default: return null;
        }
        var p = m.Processes[last.Call.Pid];
        for (var v = p.Vmas.FirstEndingAfter(range.s); v is not null && v.Start < range.e; v = p.Vmas.Next(v))
        {
            if ((v.Flags & VmFlags.Locked) == 0 || (v.Flags & VmFlags.LockOnFault) != 0 || (v.Flags & VmFlags.AccessMask) == 0) continue;
            if (v.RefPage != 0 && v.RefFolio is null && ReferenceUnreachable(p, v.RefPage)) continue; // refpage_fault's SIGSEGV stops the VMA's population
            for (ulong a = Math.Max(v.Start, range.s); a < Math.Min(v.End, range.e); a += Mem.PageSize)
                if (!p.Ptes.ContainsKey(a >> Mem.PageShift) && !BeyondEof(v, a))
                    return new(nameof(MlockPopulated), p.Index, $"page {a:x} of a locked VMA is not present", [v]);
        }
        return null;
    }

    /// <summary>Where refpage_fault's get_user_pages fails: no VMA, no VM_READ, VM_IO or VM_PFNMAP, or a file page past i_size.</summary>
    static bool ReferenceUnreachable(Process p, ulong address) =>
        p.Vmas.Containing(address) is not { } rv || (rv.Flags & VmFlags.Read) == 0 || (rv.Flags & (VmFlags.Io | VmFlags.PfnMap)) != 0 ||
        BeyondEof(rv, address & ~(Mem.PageSize - 1));

    /// <summary>A file page at or past i_size cannot be populated: the fault is SIGBUS, which population ignores.</summary>
    static bool BeyondEof(Vma v, ulong a) =>
        v.File is { } f && (v.PgOff + ((a - v.Start) >> Mem.PageShift)) * Mem.PageSize >= f.Size;

    static (ulong, ulong) LockRange(ulong addr, ulong len)
    {
        ulong start = addr & ~(Mem.PageSize - 1);
        return (start, start + Mem.PageAlign(len + (addr & (Mem.PageSize - 1))));
    }

    /// <summary>
    /// Right after a fork the child mirrors the parent: the same VMAs minus VM_DONTCOPY, without lo/lf, sharing the
    /// name objects, with fresh non-singular anon_vmas where the parent had one, none under WIPEONFORK, and locked_vm 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Violation? ForkChildConsistent(LinuxModel m)
    {
        if (m.Last is not { Call: ForkCall f, Outcome.Kind: OutcomeKind.Process } last) return null;
        var parent = m.Processes[f.Pid];
        var child = m.Processes[(int)last.Outcome.Value];
        const string name = nameof(ForkChildConsistent);
        if (child.LockedVm != 0) return new(name, child.Index, $"child locked_vm is {child.LockedVm}", []);
        using var ce = child.Vmas.All().GetEnumerator();
        var parentAnons = new HashSet<long>();
        foreach (var v in parent.Vmas.All()) parentAnons.Add(v.AnonId);
        foreach (var pv in parent.Vmas.All())
        {
            if ((pv.Flags & VmFlags.DontCopy) != 0) continue;
            if (!ce.MoveNext()) return new(name, child.Index, "child lacks a VMA", [pv]);
            var cv = ce.Current;
            if (cv.Start != pv.Start || cv.End != pv.End || cv.PgOff != pv.PgOff || cv.File != pv.File)
                return new(name, child.Index, "child VMA differs in range, pgoff or file", [pv, cv]);
            if (cv.Flags != (pv.Flags & ~VmFlags.LockedMask)) return new(name, child.Index, "child flags are not the parent's without lo/lf", [pv, cv]);
            if (!ReferenceEquals(cv.Name, pv.Name)) return new(name, child.Index, "child does not share the parent's name object", [pv, cv]);
            bool wipe = (pv.Flags & VmFlags.WipeOnFork) != 0;
            if (wipe || pv.AnonId == 0)
            {
                if (cv.AnonId != 0) return new(name, child.Index, "child has an anon_vma the parent's VMA could not give it", [pv, cv]);
                if (wipe && HasPages(child, cv)) return new(name, child.Index, "WIPEONFORK VMA has pages in the child", [cv]);
            }
            else if (cv.AnonSingular || parentAnons.Contains(cv.AnonId))
                return new(name, child.Index, "child anon_vma is not a fresh forked one", [pv, cv]);
        }
        if (ce.MoveNext()) return new(name, child.Index, "child has an extra VMA", [ce.Current]);
        return null;
    }

    static bool HasPages(Process p, Vma v)
    {
        ulong first = v.Start >> Mem.PageShift, last = v.End >> Mem.PageShift;
        if (last - first > (ulong)p.Ptes.Count) // a huge VMA: visit the PTEs instead of the range
            return p.Ptes.Any(e => e.Key >= first && e.Key < last && !e.Value.Folio.IsZero);
        for (ulong vpn = first; vpn < last; vpn++)
            if (p.Ptes.TryGetValue(vpn, out var pte) && !pte.Folio.IsZero) return true;
        return false;
    }
}

/// <summary>
/// One named invariant: the check, and the precondition under which it can fail at all, so coverage can count how
/// often each was really put to the test without naming the invariants again.
/// </summary>
/// <param name="Applies">Whether the state after the last call (and that call's effects) is one the check can fail on.</param>
public sealed record Invariant(string Name, Func<LinuxModel, Violation?> Check, Func<LinuxModel, bool> Applies)
{
    /// <summary>(name, check), as the list was before preconditions were added.</summary>
    public void Deconstruct(out string name, out Func<LinuxModel, Violation?> check) => (name, check) = (Name, Check);
}
