using AnonVma.Model;

namespace AnonVma.Fuzz;

/// <summary>
/// The oracles a run checks with, cheapest first: a trace goes to a real kernel only when the invariants found
/// nothing, so the model's speed sets the pace and the kernel confirms.
/// </summary>
public sealed class Suite(params IOracle[] oracles) : IOracle
{
    public string Name => string.Join(" + ", oracles.Select(o => o.Name));

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces) =>
        Check(traces.Count, (oracle, open) => oracle.Check(open.Select(i => traces[i]).ToList()));

    public Finding? Check(Trace trace) => Check([trace])[0];

    /// <summary>
    /// Checks generated traces, reusing their one pass: the invariants it checked, and its observations for a kernel
    /// of the same profile. Any other oracle runs as usual. Same order and the same findings as checking the traces.
    /// </summary>
    public IReadOnlyList<Finding?> Check(IReadOnlyList<GeneratedTrace> runs) => Check(runs.Count, (oracle, open) => oracle switch
    {
        InvariantOracle io when open.All(i => runs[i] is { CheckedInvariants: true } g && g.Profile == io.Profile && g.Mutations == io.Mutations) =>
            open.Select(i => runs[i].Invariants).ToList(),
        DifferentialOracle d when open.All(i => d.CanReuse(runs[i])) =>
            d.Check(open.Select(i => runs[i].Trace).ToList(), open.Select(i => runs[i].Observed!).ToList()),
        _ => oracle.Check(open.Select(i => runs[i].Trace).ToList()),
    });

    /// <summary>Each oracle in turn, on the traces (by index) that no earlier oracle found anything in.</summary>
    IReadOnlyList<Finding?> Check(int count, Func<IOracle, List<int>, IReadOnlyList<Finding?>> check)
    {
        var found = new Finding?[count];
        foreach (var oracle in oracles)
        {
            var open = Enumerable.Range(0, count).Where(i => found[i] is null).ToList();
            if (open.Count == 0) break;
            var results = check(oracle, open);
            for (int k = 0; k < open.Count; k++) found[open[k]] = results[k];
        }
        return found;
    }
}
