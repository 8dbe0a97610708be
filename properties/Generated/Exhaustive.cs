using System.Text;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Properties.Generated;

/// <summary>
/// Small-scope exhaustive checking (test code: only ExhaustiveTests runs it): breadth first over every call sequence up to a depth, from a fixed alphabet of
/// calls on a tiny arena with two names, every invariant checked after every call. Sequences that reach the same
/// model state (compared by a canonical key of everything the model keeps) are explored once, which is what makes
/// depth 6 affordable; the search is still complete for the state invariants and for the per-call checks, since
/// those depend only on the state before the call and the call.
/// </summary>
public sealed class Exhaustive
{
    /// <summary>The search's extent and result: a violation with its (shortest) call sequence, or null.</summary>
    public sealed record Result(int Depth, int Alphabet, long States, long Transitions, IReadOnlyList<long> StatesPerDepth, Trace? Counterexample, Violation? Violation);

    public required KernelProfile Profile { get; init; }
    public int ArenaPages { get; init; } = 4;
    public string[] Names { get; init; } = ["a", "b"];
    public Mutations? Mutations { get; init; }
    /// <summary>Second process: a fork from p0, and the same range calls from p1 (doubles the alphabet).</summary>
    public bool WithFork { get; init; }

    const ulong P = Mem.PageSize, B = Trace.DefaultArenaBase;

    /// <summary>Longest range in pages; shorter ranges keep the alphabet small enough for depth 6.</summary>
    public int MaxRangePages { get; init; } = 2;
    /// <summary>A write to each page (population, anon_vmas, COW after fork).</summary>
    public bool Touches { get; init; } = true;

    /// <summary>The calls tried from every state: map, unmap, protect, name with each name, lock on every range; a write per page; a fork.</summary>
    public IReadOnlyList<Call> Alphabet()
    {
        var calls = new List<Call>();
        var pids = WithFork ? new[] { 0, 1 } : new[] { 0 };
        foreach (int pid in pids)
        {
            for (int i = 0; i < ArenaPages; i++)
                for (int j = i + 1; j <= Math.Min(ArenaPages, i + MaxRangePages); j++)
                {
                    ulong a = B + (ulong)i * P, len = (ulong)(j - i) * P;
                    if (pid == 0) calls.Add(new MmapCall(pid, a, len, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.Fixed));
                    calls.Add(new MunmapCall(pid, a, len));
                    calls.Add(new MprotectCall(pid, a, len, Prot.Read));
                    foreach (var n in Names) calls.Add(new NameCall(pid, a, len, n));
                    calls.Add(new MlockCall(pid, a, len));
                }
            if (Touches)
                for (int i = 0; i < ArenaPages; i++) calls.Add(new TouchCall(pid, B + (ulong)i * P, Write: true));
        }
        if (WithFork) calls.Add(new ForkCall(0));
        return calls;
    }

    public Result Run(int depth)
    {
        var alphabet = Alphabet();
        var seen = new HashSet<string>();
        var frontier = new List<int[]> { Array.Empty<int>() };
        seen.Add(Key(NewModel()));
        var perDepth = new List<long> { 1 };
        long transitions = 0;
        for (int d = 1; d <= depth; d++)
        {
            var next = new List<int[]>();
            foreach (var path in frontier)
                for (int c = 0; c < alphabet.Count; c++)
                {
                    var m = NewModel();
                    bool valid = true;
                    foreach (int k in path) m.Apply(alphabet[k]);
                    try { m.Apply(alphabet[c]); }
                    catch (TraceException) { valid = false; } // p1 before the fork, or after it exited
                    if (!valid) continue;
                    transitions++;
                    var seq = path.Append(c).ToArray();
                    if (Invariants.First(m) is { } v)
                        return new Result(d, alphabet.Count, seen.Count, transitions, perDepth, ToTrace(seq, alphabet), v);
                    if (seen.Add(Key(m))) next.Add(seq);
                }
            perDepth.Add(next.Count);
            frontier = next;
            if (next.Count == 0) break;
        }
        return new Result(depth, alphabet.Count, seen.Count, transitions, perDepth, null, null);
    }

    LinuxModel NewModel() => new(Profile) { TracksMergeSites = true, Mutations = Mutations };

    Trace ToTrace(int[] seq, IReadOnlyList<Call> alphabet) =>
        new("exhaustive", B, (ulong)ArenaPages * P, seq.Select(i => alphabet[i]).ToList());

    /// <summary>
    /// Everything the model keeps that can change what happens next, with identities (anon_vmas, name objects,
    /// folios) renumbered by first appearance so that equal states get equal keys.
    /// </summary>
    public static string Key(LinuxModel m)
    {
        var sb = new StringBuilder();
        var anon = new Dictionary<long, int>();
        var names = new Dictionary<AnonName, int>(ReferenceEqualityComparer.Instance);
        var folios = new Dictionary<Folio, int>(ReferenceEqualityComparer.Instance);
        int Id<T>(Dictionary<T, int> d, T k) where T : notnull => d.TryGetValue(k, out var i) ? i : d[k] = d.Count;
        foreach (var p in m.Processes)
        {
            sb.Append('P').Append(p.Index).Append(p.Running ? 'r' : 'x').Append(p.LockedVm).Append(';');
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
            {
                sb.Append(v.Start.ToString("x")).Append('-').Append(v.End.ToString("x")).Append(' ').Append((ulong)v.Flags).Append(' ').Append(v.PgOff)
                  .Append(" f").Append(v.File?.Id ?? 0).Append(" a").Append(v.AnonId == 0 ? -1 : Id(anon, v.AnonId)).Append(v.AnonSingular ? 's' : 'm');
                if (v.Name is { } n) sb.Append(" n").Append(Id(names, n)).Append('=').Append(n.Value).Append('/').Append(n.Refs);
                sb.Append(';');
            }
            foreach (var (vpn, pte) in p.Ptes.OrderBy(kv => kv.Key))
            {
                var f = pte.Folio;
                sb.Append(vpn.ToString("x")).Append(pte.Dirty ? 'D' : 'c').Append(pte.Young ? 'Y' : 'o').Append(f.IsZero ? "z" : "F" + Id(folios, f))
                  .Append(f.Anon ? 'a' : 'f').Append(f.MapCount);
                FolioFlags(sb, f);
            }
        }
        foreach (var file in m.Files)
        {
            sb.Append('H').Append(file.Id).Append(';');
            foreach (var (index, f) in file.Pages.OrderBy(kv => kv.Key))
            {
                sb.Append(index).Append('F').Append(Id(folios, f));
                FolioFlags(sb, f);
            }
        }
        foreach (var (batch, f) in m.BatchEntries()) sb.Append('B').Append(batch).Append(Id(folios, f)).Append(';');
        return sb.ToString();
    }

    static void FolioFlags(StringBuilder sb, Folio f) =>
        sb.Append(f.Dirty ? 'D' : 'c').Append(f.Referenced ? 'R' : '-').Append(f.Exclusive ? 'X' : '-')
          .Append(f.Lru ? 'L' : '-').Append(f.Active ? 'A' : '-').Append(f.Unevictable ? 'U' : '-').Append(f.Mlocked ? 'M' : '-')
          .Append(f.MlockCount).Append('/').Append(f.BatchRefs).Append(';');
}
