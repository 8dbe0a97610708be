using Stateless;
using Stateless.Graph;

namespace AnonVma.Model.State;

/// <summary>A modelled process is running until it exits; nothing may be addressed to it afterwards.</summary>
public enum ProcessState { Running, Exited }

/// <summary>Process lifecycle events.</summary>
public enum ProcessTrigger { Call, Fork, Exit }

/// <summary>
/// The process lifecycle, defined with Stateless and compiled to a table at start-up (calls are the hot path), so a
/// call to an exited process is refused rather than silently run.
/// </summary>
public static class ProcessLifecycle
{
    static readonly ProcessState?[,] Table = Compile();

    public static StateMachine<ProcessState, ProcessTrigger> Define(Func<ProcessState> get, Action<ProcessState> set)
    {
        var m = new StateMachine<ProcessState, ProcessTrigger>(get, set);
        m.Configure(ProcessState.Running)
            .PermitReentry(ProcessTrigger.Call)
            .PermitReentry(ProcessTrigger.Fork)
            .Permit(ProcessTrigger.Exit, ProcessState.Exited);
        m.Configure(ProcessState.Exited);
        return m;
    }

    static ProcessState?[,] Compile()
    {
        var table = new ProcessState?[2, 3];
        foreach (ProcessState s in Enum.GetValues<ProcessState>())
            foreach (ProcessTrigger t in Enum.GetValues<ProcessTrigger>())
            {
                var state = s;
                var m = Define(() => state, x => state = x);
                if (m.CanFire(t)) { m.Fire(t); table[(int)s, (int)t] = state; }
            }
        return table;
    }

    /// <summary>The state after <paramref name="trigger"/>, or null when the lifecycle forbids it.</summary>
    public static ProcessState? Next(ProcessState state, ProcessTrigger trigger) => Table[(int)state, (int)trigger];

    /// <summary>The lifecycle as a Mermaid state diagram, for the docs.</summary>
    public static string Mermaid()
    {
        var s = ProcessState.Running;
        return MermaidGraph.Format(Define(() => s, x => s = x).GetInfo());
    }
}
