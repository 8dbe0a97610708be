using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Fuzz;

/// <summary>
/// Shrinks a failing trace to a small one that still fails for the same reason (the same finding signature): it
/// cuts the calls after the failure, drops chunks of calls and then single calls, shrinks lengths to one page,
/// aligns addresses, drops mmap flags, simplifies protections, turns writes into reads and merges names. Every round
/// is one batch, so a real kernel in the oracle costs one executor start per round.
/// </summary>
public static class Shrinker
{
    /// <summary>The result: the smallest failing trace, its finding, and how many candidate traces were run.</summary>
    public sealed record Result(Trace Trace, Finding Finding, int CandidatesRun, int Rounds)
    {
        /// <summary>The stand-in oracle the trace was shrunk with before the finding's own confirmed it, if any.</summary>
        public string? Via { get; init; }
    }

    /// <param name="maxBatch">Candidates per round at most (a slow judge, such as QEMU, runs a round as one boot and must keep it short).</param>
    public static Result Shrink(Trace trace, Finding finding, IOracle oracle, int maxCandidates = 20_000, CancellationToken cancel = default, int maxBatch = int.MaxValue)
    {
        var best = trace;
        var bestFinding = finding;
        int run = 0, rounds = 0;
        string signature = finding.Signature;

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
                    if (results[i] is { } f && f.Signature == signature && Smaller(batch[i], best))
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
            while (run < maxCandidates && TryBatch(Simplifications(best))) progress = true;
        }
        return new Result(best with { Id = trace.Id + ".shrunk" }, bestFinding, run, rounds);
    }

    /// <summary>Fewer calls first, then a smaller sum of lengths, flags and name lengths: a strict order, so shrinking ends.</summary>
    static bool Smaller(Trace a, Trace b) =>
        a.Calls.Count != b.Calls.Count ? a.Calls.Count < b.Calls.Count : Weight(a) < Weight(b);

    static decimal Weight(Trace t) => t.Calls.Sum(c => c switch
    {
        MmapCall m => (decimal)m.Len + Bits(m.Flags) * 4096m + Bits(m.Prot) * 4096m + (m.Addr & 0xfff) + (m.Handle >= 0 ? 4096 : 0),
        MunmapCall m => m.Len + (m.Addr & 0xfff),
        MprotectCall m => m.Len + Bits(m.Prot) * 4096m + (m.Addr & 0xfff),
        MlockCall m => m.Len + (m.Addr & 0xfff),
        Mlock2Call m => m.Len + Bits(m.Flags) * 4096m + (m.Addr & 0xfff),
        MunlockCall m => m.Len + (m.Addr & 0xfff),
        MadviseCall m => m.Len + (m.Addr & 0xfff),
        NameCall n => (decimal)n.Len + (n.Addr & 0xfff) + (n.Name?.Length ?? 0) + (n.Name is null or "a" ? 0 : 4096) + (n.BadPointer ? 4096 : 0),
        TouchCall tc => (tc.Write ? 4096m : 0m) + (tc.Addr & 0xfff),
        MemfdCall m => m.Size,
        _ => 0m,
    });

    static int Bits(int x) => System.Numerics.BitOperations.PopCount((uint)x);

    static IEnumerable<IReadOnlyList<Call>> Removals(IReadOnlyList<Call> calls, int chunk)
    {
        // Later chunks first: the calls that set the failure up are usually early, the noise is usually late.
        for (int start = calls.Count - chunk; start >= 0; start -= chunk)
            yield return calls.Take(start).Concat(calls.Skip(start + chunk)).ToList();
        if (calls.Count % chunk != 0) yield return calls.Skip(calls.Count % chunk).ToList();
    }

    static IEnumerable<IReadOnlyList<Call>> Simplifications(Trace t)
    {
        var calls = t.Calls;
        var firstName = calls.OfType<NameCall>().Select(n => n.Name).FirstOrDefault(n => n is not null);
        for (int i = 0; i < calls.Count; i++)
            foreach (var simpler in Simpler(calls[i], t, firstName))
            {
                var copy = calls.ToList();
                copy[i] = simpler;
                yield return copy;
            }
    }

    /// <summary>Simpler versions of one call, each changing one thing.</summary>
    static IEnumerable<Call> Simpler(Call call, Trace t, string? firstName)
    {
        const ulong P = Mem.PageSize;
        IEnumerable<(ulong addr, ulong len)> Ranges(ulong addr, ulong len)
        {
            if ((addr & (P - 1)) != 0) yield return (addr & ~(P - 1), Mem.PageAlign(len));
            if (len > P) yield return (addr, P);
            if (len > P && len % P == 0) yield return (addr, len - P);
            if (len > P && len % P == 0) yield return (addr + P, len - P);
            if (len % P != 0 && len > 0) yield return (addr, Mem.PageAlign(len));
        }
        switch (call)
        {
            case MmapCall m:
                foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l };
                foreach (int bit in new[] { Map.Locked, Map.Populate, Map.NoReserve })
                    if ((m.Flags & bit) != 0) yield return m with { Flags = m.Flags & ~bit };
                if ((m.Flags & Map.FixedNoReplace) != 0) yield return m with { Flags = (m.Flags & ~Map.FixedNoReplace) | Map.Fixed };
                if ((m.Flags & Map.Shared) != 0 && m.Handle < 0) yield return m with { Flags = (m.Flags & ~Map.Shared) | Map.Private };
                if (m.Handle >= 0) yield return m with { Handle = -1, Flags = (m.Flags & ~Map.Shared) | Map.Private | Map.Anonymous };
                if (m.Prot != Prot.ReadWrite) yield return m with { Prot = Prot.ReadWrite };
                break;
            case MunmapCall m: foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l }; break;
            case MprotectCall m:
                foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l };
                if (m.Prot != Prot.Read) yield return m with { Prot = Prot.Read };
                break;
            case MlockCall m: foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l }; break;
            case Mlock2Call m:
                foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l };
                yield return new MlockCall(m.Pid, m.Addr, m.Len);
                break;
            case MunlockCall m: foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l }; break;
            case MadviseCall m: foreach (var (a, l) in Ranges(m.Addr, m.Len)) yield return m with { Addr = a, Len = l }; break;
            case NameCall n:
                foreach (var (a, l) in Ranges(n.Addr, n.Len)) yield return n with { Addr = a, Len = l };
                if (n.BadPointer) yield return n with { BadPointer = false, Name = "a" };
                if (n.Name is { } s && s != "a")
                {
                    if (firstName is not null && s != firstName) yield return n with { Name = firstName };
                    yield return n with { Name = "a" };
                }
                break;
            case TouchCall tc:
                if (tc.Write) yield return tc with { Write = false };
                if ((tc.Addr & (P - 1)) != 0) yield return tc with { Addr = tc.Addr & ~(P - 1) };
                break;
            case MemfdCall m when m.Size > P: yield return m with { Size = P }; break;
        }
    }
}
