namespace AnonVma.Model;

/// <summary>Deliberately wrong rules that tests switch on to prove the suite notices; never set outside tests.</summary>
public enum Mutation
{
    SplitForgetsName,
    ForkSkipsNameRef,
    MergeComparesNameObjects,
    MlockSkipsPopulate,
    MunmapReportsHoles,
    MprotectRollsBackBeforeHole,
    Accept80ByteName,
    ChildKeepsLocked,
}

/// <summary>The set of mutations a model instance runs with.</summary>
public sealed class Mutations(params Mutation[] on)
{
    readonly HashSet<Mutation> set = new(on);
    public bool Has(Mutation m) => set.Contains(m);
    public override string ToString() => string.Join(",", set);
}
