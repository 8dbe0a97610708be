using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;
using AnonVma.Model.Text;

namespace AnonVma.Model.Checks;

/// <summary>
/// What a user of names relies on, whatever the kernel keeps inside: the properties that tell the naming designs apart
/// (docs/NAMING-DESIGNS.md). Unlike the invariants, they judge only what maps shows and what a call costs, so one
/// design's internals cannot vouch for themselves. Mainline keeps all four.
/// </summary>
public static class NameProperties
{
    /// <summary>Every property.</summary>
    public static readonly IReadOnlyList<Invariant> All =
    [
        new(nameof(NameShownIsNameSet), NameShownIsNameSet, _ => true),
        new(nameof(ForkChildShowsParentNames), ForkChildShowsParentNames, m => m.Last is { Call: ForkCall, Outcome.Kind: OutcomeKind.Process }),
        new(nameof(EqualNamesMerge), EqualNamesMerge, m => m.Last is { Sites.Count: > 0 }),
        new(nameof(ForkCopiesNoName), ForkCopiesNoName, m => m.Last is { Call: ForkCall }),
    ];

    /// <summary>
    /// maps shows each name as it was when it was set, whatever the process later does to the buffer it passed: the
    /// text between "[anon:" and "]" is the string the prctl was given.
    /// </summary>
    public static Violation? NameShownIsNameSet(LinuxModel m)
    {
        foreach (var p in m.Processes)
        {
            if (!p.Running) continue;
            foreach (var v in p.Vmas.All())
                if (v.Name is { } n && ProcView.Shown(n, p) is var shown && shown != n.SetText)
                    return new(nameof(NameShownIsNameSet), p.Index, $"maps shows \"{shown}\" for a name set as \"{n.SetText}\"", [v]);
        }
        return null;
    }

    /// <summary>Right after a fork, the child's maps names every VMA it inherited as the parent's maps does.</summary>
    public static Violation? ForkChildShowsParentNames(LinuxModel m)
    {
        if (m.Last is not { Call: ForkCall fork, Outcome: { Kind: OutcomeKind.Process } o }) return null;
        Process parent = m.Processes[fork.Pid], child = m.Processes[(int)o.Value];
        foreach (var v in parent.Vmas.All())
        {
            if ((v.Flags & VmFlags.DontCopy) != 0) continue;
            var cv = child.Vmas.Containing(v.Start);
            string mine = ProcView.Line(v, parent).Name ?? "", theirs = cv is null ? "(no VMA)" : ProcView.Line(cv, child).Name ?? "";
            if (mine != theirs)
                return new(nameof(ForkChildShowsParentNames), child.Index, $"the child shows \"{theirs}\" where its parent shows \"{mine}\"",
                    cv is null ? [v] : [v, cv]);
        }
        return null;
    }

    /// <summary>
    /// Neighbours a call left side by side that maps shows with equal names merge whenever Linux would merge them with
    /// equal strings (the merge predicate with the shown names in place of what the design compares).
    /// </summary>
    public static Violation? EqualNamesMerge(LinuxModel m)
    {
        if (m.Last is not { } last) return null;
        foreach (var site in last.Sites)
        {
            var p = m.Processes[site.Pid];
            if (!p.Running) continue;
            var v = site.Result;
            foreach (var other in new[] { site.Left, site.Right })
            {
                if (other is not { } o || !(o.End == v.Start && v.Start == site.Start || o.Start == v.End && v.End == site.End)) continue;
                string? a = Shown(v, p), b = Shown(o, p);
                if (a == b && MergePredicate.WouldMerge(m.Profile, v with { Name = null }, o with { Name = null }))
                    return new(nameof(EqualNamesMerge), site.Pid, $"neighbours both shown as \"{a ?? "(no name)"}\" left apart", [v.ToVma(), o.ToVma()]);
            }
        }
        return null;
    }

    static string? Shown(VmaShot v, Process p) => v.Name is { } n ? ProcView.Shown(n, p) : null;

    /// <summary>A fork allocates no name string: names cost nothing at fork, however many VMAs carry them.</summary>
    public static Violation? ForkCopiesNoName(LinuxModel m) =>
        m.Last is { Call: ForkCall fork } && m.LastCallNameAllocations > 0
            ? new(nameof(ForkCopiesNoName), fork.Pid, $"the fork allocated {m.LastCallNameAllocations} name string(s)", [])
            : null;
}
