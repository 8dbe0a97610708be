using AnonVma.Traces.Generate;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;

namespace AnonVma.Fuzz;

/// <summary>Every invariant after every call, on a model of one profile (mutated, when a test asks).</summary>
public sealed class InvariantOracle(KernelProfile profile, Mutations? mutations = null) : IOracle
{
    public string Name => $"invariants({profile.Name}{(mutations is null ? "" : ", mutated")})";

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces) => traces.Select(CheckOne).ToList();

    public Finding? CheckOne(Trace trace)
    {
        var model = new LinuxModel(profile) { Mutations = mutations, TracksMergeSites = true };
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            try
            {
                model.Apply(call);
            }
            catch (TraceException) { return null; }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or NullReferenceException or KeyNotFoundException or IndexOutOfRangeException)
            {
                return new Finding(new Crashed(e.GetType().Name), Realiser.Kind(call), i, "model", Name, e.Message, "no exception", e.ToString());
            }
            if (Invariants.First(model) is { } v)
                return new Finding(new InvariantBroken(v.Check), Realiser.Kind(call), i, "model", Name, v.ToString(), $"{v.Check} holds", v.ToString());
        }
        return null;
    }
}
