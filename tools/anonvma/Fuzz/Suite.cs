using AnonVma.Model;

namespace AnonVma.Fuzz;

/// <summary>
/// The oracles a run checks with, cheapest first: a trace goes to a real kernel only when the invariants found
/// nothing, so the model's speed sets the pace and the kernel confirms.
/// </summary>
public sealed class Suite(params IOracle[] oracles) : IOracle
{
    public IReadOnlyList<IOracle> Oracles { get; } = oracles;

    public string Name => string.Join(" + ", Oracles.Select(o => o.Name));

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces)
    {
        var found = new Finding?[traces.Count];
        foreach (var oracle in Oracles)
        {
            var open = Enumerable.Range(0, traces.Count).Where(i => found[i] is null).ToList();
            if (open.Count == 0) break;
            var results = oracle.Check(open.Select(i => traces[i]).ToList());
            for (int k = 0; k < open.Count; k++) found[open[k]] = results[k];
        }
        return found;
    }

    public Finding? Check(Trace trace) => Check([trace])[0];
}
