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
    /// <summary>A write through a present shmem PTE dirties the folio, so every mapping sees it dirty at once.</summary>
    WriteDirtiesEveryMapping,
    /// <summary>Unmapping a shmem page drops its PTE's dirty bit instead of moving it to the folio.</summary>
    ZapDropsDirtyBit,
    /// <summary>A read of a present file page faults around as if the page were missing.</summary>
    FaultAroundPresentPage,
    /// <summary>A private file write past i_size raises SIGBUS before the anon_vma is prepared.</summary>
    CowFaultChecksSizeFirst,
    /// <summary>The model forgets that the executor drains the CPU's batches before every call.</summary>
    SkipsCallDrain,
}

/// <summary>The set of mutations a model instance runs with.</summary>
public sealed class Mutations(params Mutation[] on)
{
    readonly HashSet<Mutation> set = new(on);
    public bool Has(Mutation m) => set.Contains(m);
    public override string ToString() => string.Join(",", set);
}
