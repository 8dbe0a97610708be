using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;

namespace AnonVma.Fuzz;

/// <summary>
/// One chosen set of model checks (name properties, invariants or both) after every call, on one profile: the oracle
/// that finds and shrinks a naming design's counterexample to one property without another check getting in first.
/// </summary>
public sealed class CheckOracle(KernelProfile profile, IReadOnlyList<Invariant> checks) : IOracle
{
    public string Name => $"checks({profile.Name}: {string.Join(",", checks.Select(c => c.Name))})";

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces) => traces.Select(CheckOne).ToList();

    public Finding? CheckOne(Trace trace)
    {
        var model = new LinuxModel(profile) { TracksMergeSites = true };
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            try { model.Apply(call); }
            catch (TraceException) { return null; }
            catch (Exception e) when (InvariantOracle.IsModelCrash(e)) { return InvariantOracle.Crash(e, call, i, Name); }
            foreach (var c in checks)
                if (c.Check(model) is { } v)
                {
                    FailedCheck what = NameProperties.All.Contains(c) ? new PropertyBroken(c.Name) : new InvariantBroken(c.Name);
                    return new(what, Traces.Generate.Realiser.Kind(call), i, "model", Name, v.ToString(), $"{c.Name} holds", v.ToString());
                }
        }
        return null;
    }
}
