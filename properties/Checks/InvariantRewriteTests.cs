using System.Collections.Concurrent;
using AnonVma.Traces.Generate;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Properties.Checks;

/// <summary>
/// The invariants were rewritten to allocate nothing per call (struct walks, a reused count map, holders gathered only
/// for a report). These tests hold the rewrite to the checks as they were: same verdict, same message, same VMAs, on
/// generated traces with every kind of corruption, in every process, on parallel threads.
/// </summary>
public class InvariantRewriteTests
{
    const ulong B = 0x200000000000, P = 4096;
    const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace;
    /// <summary>The PCG32 stream that picks where and how to corrupt, so it never replays the generator's own draws.</summary>
    const ulong CorruptionStream = 1;

    [Fact]
    public void Rewritten_checks_report_exactly_what_the_original_checks_report()
    {
        var failures = new ConcurrentQueue<string>();
        int violations = 0;
        // Parallel, so several threads each reuse their own count map across many models.
        Parallel.For(0, 400, seed =>
        {
            var trace = Realiser.Random(seed, 40, KernelProfile.Linux612);
            var rng = new Pcg32((ulong)seed, CorruptionStream); // a stream of its own, apart from the trace's draws
            foreach (var profile in KernelProfile.All)
            {
                var m = new LinuxModel(profile) { TracksMergeSites = true };
                int corruptAt = rng.Next(trace.Calls.Count);
                for (int i = 0; i <= corruptAt; i++)
                {
                    m.Apply(trace.Calls[i]);
                    if (Compare(m) is { } diff) failures.Enqueue($"seed {seed} {profile.Name} call {i}: {diff}");
                }
                var what = Corrupt(m, rng);
                if (Compare(m) is { } after) failures.Enqueue($"seed {seed} {profile.Name} after {what}: {after}");
                if (Invariants.First(m) is not null) Interlocked.Increment(ref violations);
            }
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(10)));
        Assert.True(violations > 700, $"only {violations} of 800 corruptions were violations; the comparison proves little");
    }

    [Fact]
    public void Counts_start_afresh_for_every_call_and_every_model()
    {
        var a = Split("a");
        var b = Split("b");
        for (int i = 0; i < 3; i++)
        {
            Assert.Null(Invariants.NameRefcountBalance(a));
            Assert.Null(Invariants.NameRefcountBalance(b));
        }
        b.LiveNames.Single().Refs++;
        Assert.Contains("3 references but 2 VMAs", Invariants.NameRefcountBalance(b)?.Message);
        Assert.Null(Invariants.NameRefcountBalance(a));
    }

    [Fact]
    public void A_small_model_after_a_huge_one_is_counted_right()
    {
        var huge = new LinuxModel(KernelProfile.Linux612) { TracksMergeSites = true };
        for (int i = 0; i < 5000; i++)
        {
            huge.Apply(new MmapCall(0, B + (ulong)i * 2 * P, P, Prot.ReadWrite, F));
            huge.Apply(new NameCall(0, B + (ulong)i * 2 * P, P, $"n{i}"));
        }
        Assert.Null(Invariants.NameRefcountBalance(huge));
        var small = Split("s");
        Assert.Null(Invariants.NameRefcountBalance(small));
        small.LiveNames.Single().Refs--;
        Assert.Contains("1 references but 2 VMAs", Invariants.NameRefcountBalance(small)?.Message);
        Assert.Null(Invariants.NameRefcountBalance(huge));
    }

    [Fact]
    public void A_miscount_names_every_holder_in_process_and_address_order()
    {
        var m = Split("a");
        m.Apply(new ForkCall(0));
        m.Apply(new MprotectCall(1, B, P, Prot.Read)); // the last call acts on p1 only
        var name = m.LiveNames.Single();
        name.Refs = 7;
        var v = Invariants.NameRefcountBalance(m);
        var expected = m.Processes[0].Vmas.All().Concat(m.Processes[1].Vmas.All()).ToList();
        Assert.Equal((0, 4), (v?.Pid, v?.Vmas.Count));
        Assert.Equal(expected, v!.Vmas);
    }

    [Fact]
    public void A_violation_in_a_process_the_last_call_did_not_touch_is_found()
    {
        // The checks are not incremental: every call re-walks every live process, so untouched ones are judged too.
        var m = Split("a");
        m.Apply(new ForkCall(0));
        m.Apply(new MlockCall(1, B, P));
        var p0 = m.Processes[0];
        p0.LockedVm = 5;
        Assert.Equal((nameof(Invariants.LockedVmBalance), 0), (Invariants.First(m)?.Check, Invariants.First(m)?.Pid));
        p0.LockedVm = 0;
        p0.Vmas.Own(p0.Vmas.All().Last()).End = B + 2 * P + 5;
        Assert.Equal((nameof(Invariants.WellFormed), 0), (Invariants.First(m)?.Check, Invariants.First(m)?.Pid));
    }

    [Fact]
    public void The_struct_walk_visits_every_chunk_in_order_and_refuses_changes_underneath()
    {
        var list = new VmaList();
        foreach (var i in Enumerable.Range(0, 300).Reverse()) list.Insert(new Vma { Start = B + (ulong)i * 2 * P, End = B + (ulong)i * 2 * P + P });
        var walked = new List<Vma>();
        foreach (var v in list.All()) walked.Add(v);
        Assert.Equal(300, walked.Count);
        Assert.Equal(walked.OrderBy(v => v.Start), walked);
        Assert.Equal(walked, list.All().ToList());
        var byLookup = new List<Vma>();
        for (var v = list.FirstEndingAfter(0); v is not null; v = list.Next(v)) byLookup.Add(v);
        Assert.Equal(byLookup, walked);
        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var v in list.All()) if (v.Start == B) list.Insert(new Vma { Start = B + P, End = B + 2 * P });
        });
    }

    /// <summary>A named 3-page mapping split by mprotect and its middle page unmapped: one name object, two holders.</summary>
    static LinuxModel Split(string name)
    {
        var m = new LinuxModel(KernelProfile.Linux612) { TracksMergeSites = true };
        m.Apply(new MmapCall(0, B, 3 * P, Prot.ReadWrite, F));
        m.Apply(new NameCall(0, B, 3 * P, name));
        m.Apply(new MprotectCall(0, B + P, P, Prot.Read)); // splits the named VMA in three; the name has 3 holders
        m.Apply(new MunmapCall(0, B + P, P)); // two holders left
        return m;
    }

    static string? Compare(LinuxModel m)
    {
        if (Describe(Invariants.First(m)) is var now && Describe(Original.First(m)) is var then && now != then)
            return $"First: now {now}, originally {then}";
        foreach (var (name, check) in Invariants.All)
        {
            var original = Original.All.Single(c => c.Name == name).Check;
            if (Describe(check(m)) is var n && Describe(original(m)) is var o && n != o) return $"{name}: now {n}, originally {o}";
        }
        return null;
    }

    /// <summary>Everything a violation says, VMAs by identity.</summary>
    static string Describe(Violation? v) => v is null ? "none" :
        $"{v.Check}|p{v.Pid}|{v.Message}|" + string.Join(",", v.Vmas.Select(x => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(x)));

    /// <summary>Breaks one thing in a random live process (not necessarily the one the last call acted on).</summary>
    static string Corrupt(LinuxModel m, Pcg32 rng)
    {
        var live = m.Processes.Where(p => p.Running).ToList();
        var p = live[rng.Next(live.Count)];
        var vmas = p.Vmas.All().ToList();
        var names = m.LiveNames.ToList();
        Vma? Pick() => vmas.Count == 0 ? null : p.Vmas.Own(vmas[rng.Next(vmas.Count)]);
        switch (rng.Next(11))
        {
            case 0 when Pick() is { } v: v.End += P / 2; return "misaligned end";
            case 1 when Pick() is { } v: v.End = v.Start; return "empty VMA";
            case 2 when vmas.Count > 1: { var v = p.Vmas.Own(vmas[0]); v.End = vmas[1].End; return "overlap"; }
            case 3 when Pick() is { } v: v.Name = new AnonName(999, rng.Next(2) == 0 ? "a$b" : new string('x', 80)); return "invalid name";
            case 4 when names.Count > 0: names[rng.Next(names.Count)].Refs += rng.Next(2) == 0 ? 1 : -1; return "refcount drift";
            case 5 when Pick() is { Name: not null } v: v.Name = null; return "name dropped without a put";
            case 6 when Pick() is { } v: v.Name = new AnonName(998, "gone") { State = NameState.Freed, Refs = 0 }; return "freed name";
            case 7 when names.Count > 0 && Pick() is { } v: v.Name = names[rng.Next(names.Count)]; return "name moved";
            case 8 when names.Count > 0: { var n = names[rng.Next(names.Count)]; n.State = n.State == NameState.Shared ? NameState.Allocated : NameState.Shared; return "name state"; }
            case 9: p.LockedVm += 1; return "locked_vm drift";
            case 10 when Pick() is { } v: v.Flags ^= VmFlags.Locked; return "lock flag flipped";
            default: p.LockedVm += 2; return "locked_vm drift (fallback)";
        }
    }

    /// <summary>
    /// The checks as they were before the rewrite (commit 8008bf3), verbatim: the reference the rewrite must match. Only
    /// the VMA walk is shared with the rewrite; the walk test below holds it to an independent lookup-by-lookup walk.
    /// </summary>
    static class Original
    {
        public static readonly IReadOnlyList<(string Name, Func<LinuxModel, Violation?> Check)> All =
        [
            (nameof(WellFormed), WellFormed),
            (nameof(NamesValid), NamesValid),
            (nameof(NameRefcountBalance), NameRefcountBalance),
            (nameof(LockedVmBalance), LockedVmBalance),
            // added after the rewrite, written allocation-free from the start; not rewritten
            (nameof(Invariants.RssCountersMatchPageTables), Invariants.RssCountersMatchPageTables),
            (nameof(Invariants.RssZeroAtExit), Invariants.RssZeroAtExit),
            (nameof(Invariants.MergeOnEqualName), Invariants.MergeOnEqualName),
            (nameof(Invariants.SplitKeepsName), Invariants.SplitKeepsName), // added after the rewrite; not rewritten
            (nameof(Invariants.MlockPopulated), Invariants.MlockPopulated),
            (nameof(ForkChildConsistent), ForkChildConsistent),
        ];

        public static Violation? First(LinuxModel m)
        {
            foreach (var (_, check) in All)
                if (check(m) is { } v) return v;
            return null;
        }

        static IEnumerable<Process> Live(LinuxModel m) => m.Processes.Where(p => p.Running);

        static Violation? WellFormed(LinuxModel m)
        {
            foreach (var p in Live(m))
            {
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

        static Violation? NamesValid(LinuxModel m)
        {
            foreach (var p in Live(m))
                foreach (var v in p.Vmas.All())
                {
                    if (v.Name is not { } n) continue;
                    if (n.Value.Length + 1 > Prctl.AnonNameMax || !NameRules.IsValid(n.Value))
                        return new(nameof(NamesValid), p.Index, $"invalid name \"{n.Value}\"", [v]);
                    if (v.File is { IsAnonShmem: false })
                        return new(nameof(NamesValid), p.Index, "name on a file-backed VMA", [v]);
                }
            return null;
        }

        static Violation? NameRefcountBalance(LinuxModel m)
        {
            if (m.LifecycleViolations.Count > 0) return new(nameof(NameRefcountBalance), -1, m.LifecycleViolations[0], []);
            var holders = new Dictionary<AnonName, List<(int pid, Vma v)>>(ReferenceEqualityComparer.Instance);
            foreach (var p in Live(m))
                foreach (var v in p.Vmas.All())
                    if (v.Name is { } n)
                    {
                        if (!holders.TryGetValue(n, out var list)) holders[n] = list = new();
                        list.Add((p.Index, v));
                    }
            var live = new HashSet<AnonName>(m.LiveNames, ReferenceEqualityComparer.Instance);
            foreach (var (n, list) in holders)
            {
                if (n.State == NameState.Freed || !live.Contains(n))
                    return new(nameof(NameRefcountBalance), list[0].pid, $"VMA reaches freed name {n}", [list[0].v]);
                if (n.Refs != list.Count)
                    return new(nameof(NameRefcountBalance), list[0].pid, $"name {n} has {n.Refs} references but {list.Count} VMAs hold it", list.Select(x => x.v).ToList());
            }
            foreach (var n in live)
            {
                if (!holders.ContainsKey(n)) return new(nameof(NameRefcountBalance), -1, $"name {n} is live but no VMA holds it (leak)", []);
                var expected = n.Refs == 1 ? NameState.Allocated : NameState.Shared;
                if (n.State != expected) return new(nameof(NameRefcountBalance), -1, $"name {n} is in state {n.State} with {n.Refs} references", []);
            }
            return null;
        }

        static Violation? LockedVmBalance(LinuxModel m)
        {
            foreach (var p in Live(m))
            {
                ulong sum = 0;
                foreach (var v in p.Vmas.All()) if ((v.Flags & VmFlags.Locked) != 0) sum += v.Pages;
                if (sum != p.LockedVm) return new(nameof(LockedVmBalance), p.Index, $"locked_vm {p.LockedVm} pages but locked VMAs hold {sum}", []);
            }
            return null;
        }

        static Violation? ForkChildConsistent(LinuxModel m)
        {
            if (m.Last is not { Call: ForkCall f, Outcome.Kind: OutcomeKind.Process } last) return null;
            var parent = m.Processes[f.Pid];
            var child = m.Processes[(int)last.Outcome.Value];
            const string name = nameof(ForkChildConsistent);
            if (child.LockedVm != 0) return new(name, child.Index, $"child locked_vm is {child.LockedVm}", []);
            using var ce = child.Vmas.All().AsEnumerable().GetEnumerator();
            var parentAnons = new HashSet<long>(parent.Vmas.All().Select(v => v.AnonId));
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
            for (ulong a = v.Start; a < v.End; a += Mem.PageSize)
                if (p.Ptes.TryGetValue(a >> Mem.PageShift, out var pte) && !pte.Folio.IsZero) return true;
            return false;
        }
    }
}
