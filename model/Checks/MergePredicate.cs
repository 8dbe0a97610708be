using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Checks;

/// <summary>
/// An independent restatement of Linux's merge predicate for one pair (mm/vma.c is_mergeable_vma, is_mergeable_anon_vma,
/// can_vma_merge_before/after), kept apart from the model so a wrong model rule cannot vouch for itself. The cases where
/// Linux leaves equal-looking neighbours apart (is_mergeable_vma, is_mergeable_anon_vma) fall out of it: 6.12's
/// singular-chain rule (a faulted VMA never merges into an unfaulted one), different anon_vmas and fork children, flag bits
/// maps does not show, names compared as strings with "" ≠ NULL, different files, broken pgoff lines (docs/MERGING.md).
/// Fork and past operations leave such pairs apart until one of them changes (dup_mmap never merges, and every caller skips
/// a VMA whose flags do not change), which is why the check runs only where an operation acted.
/// </summary>
public static class MergePredicate
{
    /// <summary>Would modifying <paramref name="src"/> merge it with the adjacent <paramref name="target"/> (either side)?</summary>
    public static bool WouldMerge(KernelProfile profile, VmaShot src, VmaShot target)
    {
        if ((src.Flags & VmFlags.Special) != 0) return false;
        // A MAP_REFPAGE mapping merges with nothing (the 6.12 port's check in is_mergeable_vma: docs/MAP-REFPAGE.md).
        if (src.RefPage != 0 || target.RefPage != 0) return false;
        if (((src.Flags ^ target.Flags) & ~VmFlags.SoftDirty) != 0) return false;
        if (src.File != target.File) return false;
        if ((src.Name?.Value) != (target.Name?.Value)) return false;
        var (lo, hi) = src.End == target.Start ? (src, target) : (target, src);
        if (lo.End != hi.Start) return false;
        if (lo.PgOff + lo.Pages != hi.PgOff) return false;
        return AnonOk(profile, src, target);
    }

    static bool AnonOk(KernelProfile profile, VmaShot src, VmaShot tgt)
    {
        if (profile.MergeRule == AnonMergeRule.SingularChain)
        {
            // 6.12: a missing anon_vma on either side is fine only if the target's chain has exactly one entry.
            bool singular = tgt.AnonId != 0 && tgt.AnonSingular;
            return ((src.AnonId == 0 || tgt.AnonId == 0) && singular) || src.AnonId == tgt.AnonId;
        }
        // >= 6.16: the faulted side must not be a fork child.
        if (src.AnonId == 0 && tgt.AnonId == 0) return true;
        if (src.AnonId == 0) return tgt.AnonSingular;
        if (tgt.AnonId == 0) return src.AnonSingular;
        return src.AnonId == tgt.AnonId;
    }
}
