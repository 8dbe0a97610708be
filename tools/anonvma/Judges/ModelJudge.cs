using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Model.Text;

namespace AnonVma.Judges;

/// <summary>The reference model as a judge: runs each trace on a fresh model and reports it in the executor's shape.</summary>
public sealed class ModelJudge(KernelProfile profile) : IJudge
{
    public string Name => Mutations is null ? $"model({Profile.Name})" : $"mutated-model({Profile.Name})";
    public KernelProfile Profile { get; } = profile;

    /// <summary>Deliberately wrong rules, to show that a differential test catches them; null in normal use.</summary>
    public Mutations? Mutations { get; init; }

    /// <summary>Predict the kernel's log as a kernel judge reads it (<see cref="ExecutorJudge.KernelLog"/>): check_mm's lines as each mm is freed.</summary>
    public bool KernelLog { get; init; }

    /// <summary>The model to compare with a kernel judge: that kernel's profile, predicting its log when the kernel reads one.</summary>
    public static ModelJudge Beside(IJudge kernel, Mutations? mutations = null) =>
        new(kernel.Profile) { Mutations = mutations, KernelLog = kernel is ExecutorJudge { KernelLog: true } };

    public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces) => traces.Select(RunOne).ToList();

    public TraceRun RunOne(Trace trace)
    {
        var model = new LinuxModel(Profile) { Mutations = Mutations };
        var steps = new List<Step>(trace.Calls.Count);
        var log = KernelLog ? new List<string>() : null;
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            Outcome outcome;
            try { outcome = model.Apply(call); }
            catch (TraceException e) { return new TraceRun(trace.Id, RunEnd.Rejected, e.Message, []); }
            steps.Add(Observe(model, trace.ArenaBase, trace.ArenaSize, i, call, outcome));
            if (call is ExitCall && outcome == Outcome.Ok) log?.AddRange(LinuxModel.CheckMm(model.Processes[call.Pid]));
        }
        // The executor kills the processes still running when the trace ends: each mm is torn down (exit_mmap zaps it)
        // and freed then, as an exit would, after the steps were observed.
        if (log is not null)
            foreach (var p in model.Processes.Where(p => p.Running).ToList())
            {
                try { if (model.Apply(new ExitCall(p.Index)) == Outcome.Ok) log.AddRange(LinuxModel.CheckMm(p)); }
                catch (TraceException e) { return new TraceRun(trace.Id, RunEnd.Rejected, $"tearing down p{p.Index} at the end: {e.Message}", []); }
            }
        return new TraceRun(trace.Id, RunEnd.Completed, null, steps, log);
    }

    /// <summary>
    /// What the executor would report for a call the model just applied: its result and every process's maps and
    /// smaps. Shared with the generator's one pass, which records the same steps while it realises the trace.
    /// </summary>
    public static Step Observe(LinuxModel model, ulong arenaBase, ulong arenaSize, int index, Call call, Outcome outcome)
    {
        string result = Spell(call, outcome);
        if (Escaped(arenaBase, arenaSize, call, outcome) is { } len)
        {
            // The executor's arena rule: a mapping or move the kernel placed outside the arena is unmapped at once.
            model.Apply(new MunmapCall(call.Pid, outcome.Value, len));
            result = "ESCAPED";
        }
        return new Step(index, call.Pid, result, Views(model, call));
    }

    /// <summary>The length the executor unmaps when a call's placed result left the arena, as it checks it; null when it did not.</summary>
    static ulong? Escaped(ulong arenaBase, ulong arenaSize, Call call, Outcome o)
    {
        ulong? len = call switch
        {
            MmapCall m when (m.Flags & (Map.Fixed | Map.FixedNoReplace)) == 0 => m.Len,
            MremapCall r => r.NewLen,
            _ => null,
        };
        if (len is not { } l || o.Kind != OutcomeKind.Address) return null;
        ulong end = o.Value + Mem.PageAlign(l);
        return o.Value < arenaBase || end < o.Value || end > arenaBase + arenaSize ? Mem.PageAlign(l) : null;
    }

    /// <summary>The executor prints "ok" for a touch, store or exit that returned normally.</summary>
    static string Spell(Call call, Outcome o) =>
        call is TouchCall or StoreCall or ExitCall && o == Outcome.Ok ? "ok" : o.ToString();

    /// <summary>Every live process in index order, and the one that exited in this call as gone.</summary>
    static List<ProcessView> Views(LinuxModel model, Call call)
    {
        var views = new List<ProcessView>();
        foreach (var p in model.Processes)
        {
            if (p.Running)
                views.Add(new ProcessView(p.Index, false, ProcView.MapsLines(p).ToList(), ProcView.SmapsLines(p).ToList()));
            else if (call is ExitCall && call.Pid == p.Index)
                views.Add(new ProcessView(p.Index, true, [], []));
        }
        return views;
    }
}
