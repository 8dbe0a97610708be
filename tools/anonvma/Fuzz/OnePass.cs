using AnonVma.Judges;
using AnonVma.Model.Abi;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Traces.Generate;

namespace AnonVma.Fuzz;

/// <summary>
/// A generated trace with what its one model run showed: the first broken invariant or crash (when the invariants
/// were checked), and the model's observations (when a kernel of the generator's profile will be compared with them).
/// </summary>
/// <param name="Profile">The profile the model ran.</param>
/// <param name="Mutations">The mutations the checked model ran with (the generator itself always runs the reference rules).</param>
/// <param name="Invariants">Null when the invariants were not checked; else the finding, if any.</param>
/// <param name="Observed">The model's run in the executor's shape, or null when it was not recorded.</param>
public sealed record GeneratedTrace(Trace Trace, KernelProfile Profile, Mutations? Mutations, bool CheckedInvariants, Finding? Invariants, TraceRun? Observed);

/// <summary>
/// One model run per generated trace: each choice is realised against the model, applied, the invariants checked
/// and coverage counted in the same run, and where the differential comparison will use the same profile the
/// model's results, maps and smaps are recorded too, so neither InvariantOracle nor ModelJudge runs the trace again.
/// With a mutation, the reference model realises the choices (so a seed gives the same trace as without) and a
/// mutated twin follows it call by call, checked and observed in its place.
/// </summary>
public static class OnePass
{
    /// <param name="realise">Draws the choices: e.g. <c>r => Realiser.Random(seed, length, r)</c>.</param>
    public static GeneratedTrace Run(string id, Func<Realiser, Trace> realise, KernelProfile profile, GeneratorSettings settings, Coverage? coverage,
                                     Mutations? mutations, bool checkInvariants, bool observe)
    {
        string oracle = InvariantOracle.NameOf(profile, mutations);
        LinuxModel? twin = mutations is null ? null : new LinuxModel(profile) { Mutations = mutations, TracksMergeSites = true };
        Finding? found = null;
        bool stopped = false; // the checked model threw: neither checked nor observed from there on
        bool rejected = false;
        var steps = observe ? new List<Step>() : null;
        int index = -1;
        Realiser? realiser = null;
        ulong arenaBase = Trace.DefaultArenaBase, arenaSize = (ulong)settings.ArenaPages * Mem.PageSize;

        void Applied(Call call, Outcome outcome)
        {
            index++;
            if (stopped) return;
            var model = realiser!.Model;
            if (twin is not null)
            {
                try { outcome = twin.Apply(call); }
                catch (TraceException) { stopped = rejected = true; return; }
                catch (Exception e) when (InvariantOracle.IsModelCrash(e))
                {
                    stopped = true;
                    if (checkInvariants) found ??= InvariantOracle.Crash(e, call, index, oracle);
                    return;
                }
                model = twin;
            }
            if (checkInvariants && found is null && Invariants.First(model) is { } v)
                found = InvariantOracle.Broken(v, call, index, oracle);
            steps?.Add(ModelJudge.Observe(model, arenaBase, arenaSize, index, call, outcome));
        }

        realiser = new Realiser(profile, settings, coverage, tracksMergeSites: checkInvariants) { Applied = Applied };
        Trace trace;
        try { trace = realise(realiser) with { Id = id }; }
        catch (Exception e) when (twin is null && InvariantOracle.IsModelCrash(e) && index < realiser.Calls.Count - 1)
        {
            // The reference model itself threw on the last call: the trace ends there, and that is the finding.
            var call = realiser.Calls[^1];
            trace = realiser.ToTrace(id);
            found ??= checkInvariants ? InvariantOracle.Crash(e, call, realiser.Calls.Count - 1, oracle) : null;
            rejected = !checkInvariants;
        }
        TraceRun? observed = steps is null ? null
            : rejected ? new TraceRun(trace.Id, RunEnd.Rejected, "the model refused the trace", [])
            : stopped ? null // a crash: the trace has its finding, and no kernel sees it
            : new TraceRun(trace.Id, RunEnd.Completed, null, steps);
        return new GeneratedTrace(trace, profile, mutations, checkInvariants, found, observed);
    }
}
