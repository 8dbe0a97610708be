using Stateless;
using Stateless.Graph;

namespace AnonVma.Model.State;

/// <summary>Where a name object is in its life: one holder, several holders, or gone.</summary>
public enum NameState { Allocated, Shared, Freed }

/// <summary>kref operations on a name object.</summary>
public enum NameTrigger { Get, Put }

/// <summary>
/// The anon_vma_name lifecycle, defined once with Stateless. The model's hot paths (fork takes 65,530 references)
/// use a transition table compiled from that definition at start-up, so the definition stays the single source of
/// truth while a reference taken after the last put is still reported instead of passing silently.
/// </summary>
public static class NameLifecycle
{
    // [state, trigger, lastButOne] -> next state, or null when the trigger is not permitted.
    static readonly NameState?[,,] Table = Compile();

    /// <summary>Builds the machine. <paramref name="twoRefs"/> tells the guard whether a put leaves exactly one holder.</summary>
    public static StateMachine<NameState, NameTrigger> Define(Func<NameState> get, Action<NameState> set, Func<bool> twoRefs)
    {
        var m = new StateMachine<NameState, NameTrigger>(get, set);
        m.Configure(NameState.Allocated)
            .Permit(NameTrigger.Get, NameState.Shared)
            .Permit(NameTrigger.Put, NameState.Freed);
        m.Configure(NameState.Shared)
            .PermitReentry(NameTrigger.Get)
            .PermitReentryIf(NameTrigger.Put, () => !twoRefs(), "more than two references")
            .PermitIf(NameTrigger.Put, NameState.Allocated, twoRefs, "exactly two references");
        m.Configure(NameState.Freed); // nothing is permitted once freed
        return m;
    }

    static NameState?[,,] Compile()
    {
        var table = new NameState?[3, 2, 2];
        foreach (NameState s in Enum.GetValues<NameState>())
            foreach (NameTrigger t in Enum.GetValues<NameTrigger>())
                for (int two = 0; two < 2; two++)
                {
                    var state = s;
                    var m = Define(() => state, x => state = x, () => two == 1);
                    table[(int)s, (int)t, two] = m.CanFire(t) ? Fire(m, t, () => state) : null;
                }
        return table;
    }

    static NameState Fire(StateMachine<NameState, NameTrigger> m, NameTrigger t, Func<NameState> read)
    {
        m.Fire(t);
        return read();
    }

    /// <summary>The state after <paramref name="trigger"/>, or null when the lifecycle forbids it.</summary>
    public static NameState? Next(NameState state, NameTrigger trigger, int refs) => Table[(int)state, (int)trigger, refs == 2 ? 1 : 0];

    /// <summary>The lifecycle as a Mermaid state diagram, for the docs.</summary>
    public static string Mermaid()
    {
        var s = NameState.Allocated;
        return MermaidGraph.Format(Define(() => s, x => s = x, () => false).GetInfo());
    }
}
