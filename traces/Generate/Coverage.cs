using System.Text;
using AnonVma.Model.Calls;
using AnonVma.Model.Checks;

namespace AnonVma.Traces.Generate;

/// <summary>
/// How often generated sequences reached each call, result, merge and split shape, odd range, name kind, touch
/// situation, page situation (where smaps accounting is subtle) and invariant precondition. A generator that quietly stopped reaching a state shows up as a zero here,
/// and the coverage test fails on it.
/// </summary>
public sealed class Coverage
{
    readonly Dictionary<string, long> counts = new();

    /// <summary>
    /// The labels the choice generator is built to reach; a campaign of a few hundred traces reaches them all. Results
    /// and errnos are counted as they come, and listed too, but not required.
    /// </summary>
    public static readonly IReadOnlyList<string> Expected =
    [
        "call/mmap", "call/munmap", "call/mprotect", "call/mlock", "call/mlock2", "call/munlock", "call/madvise",
        "call/name", "call/name_arg2", "call/touch", "call/fork", "call/exit", "call/memfd",
        .. FlagFamily.Advice.Generated.Select(AdviceLabel),
        "merge/left", "merge/right", "merge/both", "split/start", "split/end", "split/middle",
        "range/zero", "range/ragged", "range/misaligned", "range/hole",
        "name/pool", "name/null", "name/79", "name/80", "name/invalid", "name/badptr", "name/equal-neighbour",
        "touch/locked", "touch/after-fork", "touch/read-only", "touch/unmapped", "touch/sigbus",
        "pages/shmem-multi-map", "pages/private-file-cow", "pages/fault-around-partial", "pages/fork-locked-anon",
        "pages/child-shared-write", "pages/unmap-dirty-shared",
        "procs/2", "procs/3+",
        .. Invariants.All.Select(Realiser.PreLabel),
    ];

    /// <summary>"advice/MADV_DONTNEED": the label of an madvise call by its advice.</summary>
    public static string AdviceLabel(ulong advice) => "advice/" + FlagFamily.Advice.Print(advice);

    public void Hit(string label, long n = 1) => counts[label] = Count(label) + n;

    public long Count(string label) => counts.TryGetValue(label, out var n) ? n : 0;

    public IReadOnlyDictionary<string, long> Counts => counts;

    /// <summary>Expected labels never reached.</summary>
    public IReadOnlyList<string> Missing() => Expected.Where(l => Count(l) == 0).ToList();

    /// <summary>A table by category (the part before '/'), the expected labels first, zeros marked.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        var labels = Expected.Concat(counts.Keys.Order(StringComparer.Ordinal)).Distinct().ToList();
        foreach (var group in labels.GroupBy(l => l.Split('/')[0]))
        {
            sb.Append($"  {group.Key,-8}");
            foreach (var l in group)
            {
                long n = Count(l);
                sb.Append(' ').Append(l[(group.Key.Length + 1)..]).Append('=').Append(n == 0 ? "0 (NOT REACHED)" : n.ToString());
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
