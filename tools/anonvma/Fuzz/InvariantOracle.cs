using AnonVma.Traces.Generate;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;

namespace AnonVma.Fuzz;

/// <summary>Every invariant after every call, on a model of one profile (mutated, when a test asks).</summary>
public sealed class InvariantOracle(KernelProfile profile, Mutations? mutations = null) : IOracle
{
    public string Name => NameOf(profile, mutations);
    public KernelProfile Profile => profile;
    public Mutations? Mutations => mutations;

    /// <summary>"invariants(linux-6.12)" or "invariants(linux-6.12, mutated)".</summary>
    public static string NameOf(KernelProfile profile, Mutations? mutations) => $"invariants({profile.Name}{(mutations is null ? "" : ", mutated")})";

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces) => traces.Select(CheckOne).ToList();

    public Finding? CheckOne(Trace trace)
    {
        var model = new LinuxModel(profile) { Mutations = mutations, TracksMergeSites = true };
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            try { model.Apply(call); }
            catch (TraceException) { return null; }
            catch (Exception e) when (IsModelCrash(e)) { return Crash(e, call, i, Name); }
            if (Invariants.First(model) is { } v) return Broken(v, call, i, Name);
        }
        return null;
    }

    /// <summary>The exceptions that mean the model itself went wrong (a bug to report, not a refused trace).</summary>
    public static bool IsModelCrash(Exception e) =>
        e is InvalidOperationException or ArgumentException or NullReferenceException or KeyNotFoundException or IndexOutOfRangeException;

    public static Finding Crash(Exception e, Call call, int index, string oracle) =>
        new(new Crashed(e.GetType().Name), Realiser.Kind(call), index, "model", oracle, e.Message, "no exception", e.ToString());

    public static Finding Broken(Violation v, Call call, int index, string oracle) =>
        new(new InvariantBroken(v.Check), Realiser.Kind(call), index, "model", oracle, v.ToString(), $"{v.Check} holds", v.ToString());
}
