using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;

namespace AnonVma.Fuzz;

/// <summary>
/// Shrinks a failing trace to a small one that still fails for the same reason (the same finding signature): it
/// cuts the calls after the failure, drops chunks of calls and then single calls, drops whole processes (the fork
/// that made one, everything it and its descendants do), hands a process's calls to its parent in place of the fork,
/// drops files (the memfd or file call and the mappings of it), moves single calls to an earlier live process, and
/// then shrinks lengths to one page, aligns addresses, drops mmap flags, simplifies protections, turns writes into
/// reads and merges names. Dropping a fork or a file renumbers the processes and handles after it exactly as the model
/// and the executor number them (<see cref="Numbering"/>), so a fork kept only so that a later process number exists
/// can go. Every round is one batch, so a real kernel in the oracle costs one executor start per round.
/// </summary>
public static class Shrinker
{
    /// <summary>The result: the smallest failing trace, its finding, and how many candidate traces were run.</summary>
    public sealed record Result(Trace Trace, Finding Finding, int CandidatesRun, int Rounds)
    {
        /// <summary>The stand-in oracle the trace was shrunk with before the finding's own confirmed it, if any.</summary>
        public string? Via { get; init; }
    }

    /// <param name="maxBatch">Candidates per round at most (a slow judge, such as QEMU, runs a round as one batch on an emulated guest and must keep it short).</param>
    public static Result Shrink(Trace trace, Finding finding, IOracle oracle, int maxCandidates = 20_000, CancellationToken cancel = default, int maxBatch = int.MaxValue)
    {
        var best = trace;
        var bestFinding = finding;
        int run = 0, rounds = 0;
        var key = finding.Key;

        // One round per window of at most maxBatch candidates, until one of them still fails the same way. Candidates
        // are drawn lazily, window by window: a 1,000-call trace has thousands, each a copy of the calls.
        bool TryBatch(IEnumerable<IReadOnlyList<Call>> candidates)
        {
            using var next = candidates.Where(c => c.Count > 0).GetEnumerator();
            while (run < maxCandidates && !cancel.IsCancellationRequested)
            {
                var batch = new List<Trace>();
                while (batch.Count < maxBatch && run + batch.Count < maxCandidates && next.MoveNext())
                    batch.Add(best with { Id = $"{trace.Id}.s{rounds}.{batch.Count}", Calls = next.Current });
                if (batch.Count == 0) return false;
                run += batch.Count;
                rounds++;
                var results = oracle.Check(batch);
                for (int i = 0; i < batch.Count; i++)
                    if (results[i] is { } f && f.Key == key && Smaller(batch[i], best))
                    {
                        best = batch[i];
                        bestFinding = f;
                        return true;
                    }
            }
            return false;
        }

        // Calls after the failing one cannot matter to it.
        if (finding.CallIndex + 1 < best.Calls.Count) TryBatch([best.Calls.Take(finding.CallIndex + 1).ToList()]);
        bool progress = true;
        while (progress && run < maxCandidates)
        {
            progress = false;
            for (int chunk = Math.Max(1, best.Calls.Count / 2); chunk >= 1 && run < maxCandidates; chunk /= 2)
                while (TryBatch(Removals(best.Calls, chunk))) progress = true;
            while (run < maxCandidates && TryBatch(Restructurings(best.Calls))) progress = true;
            while (run < maxCandidates && TryBatch(Reparentings(best.Calls))) progress = true;
            while (run < maxCandidates && TryBatch(Simplifications(best.Calls))) progress = true;
        }
        return new Result(best with { Id = trace.Id + ".shrunk" }, bestFinding, run, rounds);
    }

    /// <summary>
    /// Fewer calls first, then fewer processes, then a smaller sum of lengths, flags and name lengths, then calls made
    /// by lower-numbered processes: a strict order on natural numbers, so shrinking ends.
    /// </summary>
    static bool Smaller(Trace a, Trace b) => Size(a).CompareTo(Size(b)) < 0;

    static (int Calls, int Forks, decimal Weight, long Pids) Size(Trace t) =>
        (t.Calls.Count, t.Calls.Count(c => c is ForkCall), Weight(t), t.Calls.Sum(c => (long)c.Pid));

    /// <summary>What a call costs to read, from its arguments as the call table kinds them.</summary>
    static decimal Weight(Trace t) => t.Calls.Sum(c =>
    {
        var spec = CallTable.Of(c);
        decimal w = spec.Simpler is null ? 0 : 4096; // mlock2 over mlock, a write over a read
        foreach (var (a, v) in spec.Args.Zip(spec.Read(c)))
            w += a.Kind switch
            {
                ArgKind.Address => v.Number & 0xfff,
                ArgKind.Length or ArgKind.Size => v.Number,
                ArgKind.Flags when !a.Family!.IsValue => System.Numerics.BitOperations.PopCount(v.Number) * 4096m,
                ArgKind.Handle => v.Handle >= 0 ? 4096 : 0,
                ArgKind.Name => (v.Text?.Length ?? 0) + (v.Text is null or "a" ? 0 : 4096) + (v.BadPointer || v.Number != 0 ? 4096 : 0),
                _ => 0,
            };
        return w;
    });

    static IEnumerable<IReadOnlyList<Call>> Removals(IReadOnlyList<Call> calls, int chunk)
    {
        // Later chunks first: the calls that set the failure up are usually early, the noise is usually late.
        for (int start = calls.Count - chunk; start >= 0; start -= chunk)
            yield return calls.Take(start).Concat(calls.Skip(start + chunk)).ToList();
        if (calls.Count % chunk != 0) yield return calls.Skip(calls.Count % chunk).ToList();
    }

    /// <summary>
    /// Candidates that change the trace's processes or files, each renumbering what comes after: whole processes
    /// dropped, files dropped, then each process's calls handed to its parent (latest processes first).
    /// </summary>
    static IEnumerable<IReadOnlyList<Call>> Restructurings(IReadOnlyList<Call> calls)
    {
        var n = Numbering.Of(calls);
        for (int p = n.Processes - 1; p >= 1; p--)
            if (RemoveProcess(calls, p) is { } c) yield return c;
        for (int h = n.Handles - 1; h >= 0; h--)
            if (RemoveHandle(calls, h) is { } c) yield return c;
        for (int p = n.Processes - 1; p >= 1; p--)
        {
            // The child's exit would end the parent, so first without it.
            if (calls.Any(c => c is ExitCall && c.Pid == p) && MergeIntoParent(calls, p, dropExits: true) is { } c) yield return c;
            if (MergeIntoParent(calls, p, dropExits: false) is { } d) yield return d;
        }
    }

    /// <summary>Each call of a process other than p0 moved to each earlier process alive at that point, lowest first.</summary>
    static IEnumerable<IReadOnlyList<Call>> Reparentings(IReadOnlyList<Call> calls)
    {
        var alive = new List<bool> { true };
        for (int i = 0; i < calls.Count; i++)
        {
            var call = calls[i];
            if (call.Pid > 0 && call.Pid < alive.Count && alive[call.Pid])
                for (int p = 0; p < call.Pid; p++)
                    if (alive[p]) yield return Reparent(calls, i, p);
            if (call is ForkCall) alive.Add(true);
            else if (call is ExitCall && call.Pid >= 0 && call.Pid < alive.Count) alive[call.Pid] = false;
        }
    }

    /// <summary>
    /// How the model and the executor number a trace's processes and handles. p0 exists from the start; the n-th fork
    /// of the trace (counting from 1, whichever process makes it) creates p(n), and a fork the executor saw fail uses
    /// its number up all the same. The n-th memfd or file call (from 0) returns h(n), a trace-wide number that every
    /// process forked later inherits. An exit frees nothing: the exited process's number is never reused.
    /// </summary>
    /// <param name="ForkAt">Per process index: the call that created it (-1 for p0).</param>
    /// <param name="Parent">Per process index: the process that forked it (-1 for p0).</param>
    /// <param name="HandleAt">Per handle: the memfd or file call that created it.</param>
    public sealed record Numbering(List<int> ForkAt, List<int> Parent, List<int> HandleAt)
    {
        public int Processes => ForkAt.Count;
        public int Handles => HandleAt.Count;

        public static Numbering Of(IReadOnlyList<Call> calls)
        {
            var n = new Numbering([-1], [-1], []);
            for (int i = 0; i < calls.Count; i++)
                switch (CallTable.Of(calls[i]).Effect)
                {
                    case CallEffect.Fork: n.ForkAt.Add(i); n.Parent.Add(calls[i].Pid); break;
                    case CallEffect.NewHandle: n.HandleAt.Add(i); break;
                }
            return n;
        }
    }

    /// <summary>
    /// The trace without process <paramref name="pid"/>: the fork that created it and every call it or a process it
    /// forked (at any depth) makes are dropped, and later processes are renumbered down. Null when there is no such process.
    /// </summary>
    public static List<Call>? RemoveProcess(IReadOnlyList<Call> calls, int pid)
    {
        var n = Numbering.Of(calls);
        if (pid <= 0 || pid >= n.Processes) return null;
        var gone = new HashSet<int> { pid };
        for (int q = pid + 1; q < n.Processes; q++)
            if (gone.Contains(n.Parent[q])) gone.Add(q); // a parent always has a lower number than its child
        var drop = new HashSet<int> { n.ForkAt[pid] };
        for (int i = 0; i < calls.Count; i++)
            if (gone.Contains(calls[i].Pid)) drop.Add(i);
        return Renumber(calls, n, drop);
    }

    /// <summary>
    /// The trace without the fork that created <paramref name="pid"/>: its calls (and its exits, unless
    /// <paramref name="dropExits"/>) are made by the process that forked it, and every later process is renumbered
    /// down by one. Null when there is no such process.
    /// </summary>
    public static List<Call>? MergeIntoParent(IReadOnlyList<Call> calls, int pid, bool dropExits = false)
    {
        var n = Numbering.Of(calls);
        if (pid <= 0 || pid >= n.Processes || n.Parent[pid] < 0 || n.Parent[pid] >= pid) return null;
        var drop = new HashSet<int> { n.ForkAt[pid] };
        if (dropExits)
            for (int i = 0; i < calls.Count; i++)
                if (calls[i] is ExitCall && calls[i].Pid == pid) drop.Add(i);
        return Renumber(calls, n, drop, (pid, n.Parent[pid]));
    }

    /// <summary>
    /// The trace without handle <paramref name="handle"/>: its memfd or file call and every file mapping of it are
    /// dropped (an anonymous mmap that names it gets -1), and later handles are renumbered down. Null when there is no such handle.
    /// </summary>
    public static List<Call>? RemoveHandle(IReadOnlyList<Call> calls, int handle)
    {
        var n = Numbering.Of(calls);
        if (handle < 0 || handle >= n.Handles) return null;
        var drop = new HashSet<int> { n.HandleAt[handle] };
        for (int i = 0; i < calls.Count; i++)
            if (calls[i] is MmapCall m && m.Handle == handle && (m.Flags & Map.Anonymous) == 0) drop.Add(i);
        return Renumber(calls, n, drop);
    }

    /// <summary>Call <paramref name="index"/> made by <paramref name="pid"/> instead: no process or handle changes number.</summary>
    public static List<Call> Reparent(IReadOnlyList<Call> calls, int index, int pid) => Replace(calls, index, calls[index] with { Pid = pid });

    static List<Call> Replace(IReadOnlyList<Call> calls, int index, Call call)
    {
        var copy = calls.ToList();
        copy[index] = call;
        return copy;
    }

    /// <summary>
    /// The calls not in <paramref name="drop"/>, with process and handle numbers replayed as <see cref="Numbering"/>
    /// assigns them, and the calls of <c>merge.From</c> made by <c>merge.Into</c>. A number that no call creates (a
    /// call to a process never forked) stays out of range. Null when a kept call belongs to a dropped process or maps a
    /// dropped file.
    /// </summary>
    static List<Call>? Renumber(IReadOnlyList<Call> calls, Numbering n, HashSet<int> drop, (int From, int Into)? merge = null)
    {
        var pids = new int[n.Processes];
        int kept = 0;
        for (int p = 0; p < n.Processes; p++) pids[p] = p == 0 || !drop.Contains(n.ForkAt[p]) ? kept++ : -1;
        int pidShift = n.Processes - kept;
        if (merge is var (from, into)) pids[from] = pids[into];
        var handles = new int[n.Handles];
        kept = 0;
        for (int h = 0; h < n.Handles; h++) handles[h] = drop.Contains(n.HandleAt[h]) ? -1 : kept++;
        int handleShift = n.Handles - kept;

        var result = new List<Call>(calls.Count - drop.Count);
        for (int i = 0; i < calls.Count; i++)
        {
            if (drop.Contains(i)) continue;
            var call = calls[i];
            if (call.Pid >= 0)
            {
                int p = call.Pid < n.Processes ? pids[call.Pid] : call.Pid - pidShift;
                if (p < 0) return null;
                if (p != call.Pid) call = call with { Pid = p };
            }
            if (call is MmapCall { Handle: >= 0 } m)
            {
                int h = m.Handle < n.Handles ? handles[m.Handle] : m.Handle - handleShift;
                if (h < 0 && (m.Flags & Map.Anonymous) == 0) return null;
                if (h != m.Handle) call = m with { Handle = Math.Max(h, -1) };
            }
            result.Add(call);
        }
        return result;
    }

    static IEnumerable<IReadOnlyList<Call>> Simplifications(IReadOnlyList<Call> calls)
    {
        var firstName = calls.OfType<NameCall>().Select(n => n.Name).FirstOrDefault(n => n is not null);
        for (int i = 0; i < calls.Count; i++)
            foreach (var simpler in Simpler(calls[i], firstName)) yield return Replace(calls, i, simpler);
    }

    /// <summary>Simpler versions of one call, each changing one thing, as the call table allows.</summary>
    static IEnumerable<Call> Simpler(Call call, string? firstName)
    {
        const ulong P = Mem.PageSize;
        var spec = CallTable.Of(call);
        var v = spec.Read(call);
        Call With(int i, ArgValue x, ArgValue? next = null)
        {
            var copy = (ArgValue[])v.Clone();
            copy[i] = x;
            if (next is { } y) copy[i + 1] = y;
            return spec.Build(call.Pid, copy);
        }
        for (int i = 0; i < spec.Args.Length; i++)
        {
            var a = spec.Args[i];
            ulong n = v[i].Number;
            switch (a.Kind)
            {
                case ArgKind.Address when i + 1 < spec.Args.Length && spec.Args[i + 1].Kind == ArgKind.Length:
                    foreach (var (addr, len) in Ranges(n, v[i + 1].Number)) yield return With(i, new ArgValue(addr), new ArgValue(len));
                    break;
                case ArgKind.Address when (n & (P - 1)) != 0: yield return With(i, new ArgValue(n & ~(P - 1))); break;
                case ArgKind.Flags:
                    for (ulong rest = n & a.Droppable; rest != 0; rest &= rest - 1)
                        yield return With(i, new ArgValue(n & ~(rest & (~rest + 1))));
                    if (a.Simplest is { } simplest && n != simplest) yield return With(i, new ArgValue(simplest));
                    break;
                case ArgKind.Size when a.Simplest is { } s && n > s: yield return With(i, new ArgValue(s)); break;
                case ArgKind.Name:
                    if (v[i].BadPointer || v[i].Number != 0) yield return With(i, ArgValue.OfName("a", false));
                    if (v[i].Text is { } name && name != "a")
                    {
                        if (firstName is not null && name != firstName) yield return With(i, ArgValue.OfName(firstName, false));
                        yield return With(i, ArgValue.OfName("a", false));
                    }
                    break;
            }
        }
        if (spec.Rewrites is { } rewrites)
            foreach (var c in rewrites(call)) yield return c;
        if (spec.Simpler is { } simpler && CallTable.Find(simpler) is { } s2)
            yield return s2.Build(call.Pid, v.Take(s2.Args.Length).ToArray());

        static IEnumerable<(ulong addr, ulong len)> Ranges(ulong addr, ulong len)
        {
            if ((addr & (P - 1)) != 0) yield return (addr & ~(P - 1), Mem.PageAlign(len));
            if (len > P) yield return (addr, P);
            if (len > P && len % P == 0) yield return (addr, len - P);
            if (len > P && len % P == 0) yield return (addr + P, len - P);
            if (len % P != 0 && len > 0) yield return (addr, Mem.PageAlign(len));
        }
    }
}
