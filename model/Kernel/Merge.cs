using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// The merge engine: mm/vma.c is_mergeable_vma, is_mergeable_anon_vma, vma_merge_new_range, vma_merge_existing_range,
// vma_modify and __split_vma.
public sealed partial class LinuxModel
{
    /// <summary>is_mergeable_vma: flags equal but for soft-dirty, same file, equal names (policy and uffd are always default).</summary>
    bool AttrsMergeable(Vma target, VmFlags flags, MappedFile? file, AnonName? name) =>
        // A MAP_REFPAGE mapping merges with nothing: 6.12's is_mergeable_vma no longer refuses a neighbour with a
        // ->close, which is all the posted patch relied on, so its port checks for the reference page outright.
        target.RefPage == 0 &&
        ((target.Flags ^ flags) & ~VmFlags.SoftDirty) == 0 && target.File == file &&
        (Mutated(Mutation.MergeComparesNameObjects) ? ReferenceEquals(target.Name, name) : NameEq(target.Name, name));

    /// <summary>is_mergeable_anon_vma for the profile's rule. src is the VMA being modified (null for a new range).</summary>
    bool AnonMergeable(long srcAnon, Vma? src, Vma target)
    {
        long tgtAnon = target.AnonId;
        if (Profile.MergeRule == AnonMergeRule.SingularChain)
        {
            bool targetChainSingular = tgtAnon != 0 && target.AnonSingular;
            if ((srcAnon == 0 || tgtAnon == 0) && targetChainSingular) return true;
            return srcAnon == tgtAnon;
        }
        // >= 6.16: vma_had_uncowed_parents (vma_is_fork_child).
        if (tgtAnon == 0 && srcAnon != 0) return !(src is { AnonId: not 0, AnonSingular: false });
        if (tgtAnon != 0 && srcAnon == 0) return target.AnonSingular;
        return srcAnon == tgtAnon;
    }

    /// <summary>are_anon_vmas_compatible(prev, next) for a three-way merge.</summary>
    static bool AnonsCompatible(Vma a, Vma b) => a.AnonId == 0 || b.AnonId == 0 || a.AnonId == b.AnonId;

    /// <summary>dup_anon_vma: dst adopts src's anon_vma (and chain shape) when it has none.</summary>
    static void DupAnon(Vma dst, Vma src)
    {
        if (src.AnonId != 0 && dst.AnonId == 0) { dst.AnonId = src.AnonId; dst.AnonSingular = src.AnonSingular; }
    }

    void RemoveVma(Process p, Vma v, NameSite site = NameSite.Merge)
    {
        p.Vmas.Remove(v);
        NameRelease(v.Name, site);
        if (!v.Shared) v.Name = null; // a VMA shared with a fork child keeps its name there
    }

    /// <summary>
    /// vma_merge_new_range for [start,end) with a proposal: a new mapping's (anon_vma and name null), or the VMA that
    /// mremap extends or copies (its anon_vma and name). Returns the VMA that grew to cover the range, or null when a
    /// new VMA must be created.
    /// </summary>
    Vma? MergeNewRange(Process p, Vma? prev, Vma? next, ulong start, ulong end, VmFlags flags, MappedFile? file, ulong pgoff,
        long anon = 0, AnonName? name = null)
    {
        if ((flags & VmFlags.Special) != 0 || (prev is null && next is null)) return null;
        ulong pglen = (end - start) >> Mem.PageShift;
        bool left = prev is not null && prev.End == start && AttrsMergeable(prev, flags, file, name) &&
                    AnonMergeable(anon, null, prev) && prev.PgOff + prev.Pages == pgoff;
        bool right = next is not null && end == next.Start && AttrsMergeable(next, flags, file, name) &&
                     AnonMergeable(anon, null, next) && next.PgOff == pgoff + pglen && (!left || AnonsCompatible(prev!, next));
        if (left) prev = p.Vmas.Own(prev!);
        if (right) next = p.Vmas.Own(next!);
        if (left && right)
        {
            DupAnon(prev!, next!);
            prev!.End = next!.End;
            RemoveVma(p, next);
            return prev;
        }
        if (left) { prev!.End = end; return prev; }
        if (right) { next!.Start = start; next.PgOff = pgoff; return next; }
        return null;
    }

    /// <summary>
    /// vma_modify plus the caller's vm_flags_reset and replace_anon_vma_name: give [s,e) of v (which contains it) new
    /// flags and name. Tries vma_merge_existing_range first, then splits. Returns the VMA now covering exactly [s,e) or
    /// a merged superset, or an errno when a split failed.
    /// </summary>
    (Vma? vma, Errno err) Modify(Process p, Vma v, ulong s, ulong e, VmFlags newFlags, AnonName? newName)
    {
        v = p.Vmas.Own(v);
        var merged = MergeExisting(p, v, s, e, newFlags, newName);
        if (merged is not null) v = merged;
        else
        {
            if (v.Start < s)
            {
                if (p.Vmas.Count >= Profile.MaxMapCount) return (null, Errno.ENOMEM);
                v = Split(p, ref v, s);
            }
            if (v.End > e)
            {
                if (p.Vmas.Count >= Profile.MaxMapCount) return (null, Errno.ENOMEM);
                Split(p, ref v, e);
            }
        }
        v.Flags = newFlags;
        if (v.File is null || v.IsAnonShmem) ReplaceName(v, newName);
        Site(p, v, s, e);
        return (v, 0);
    }

    Vma? MergeExisting(Process p, Vma v, ulong s, ulong e, VmFlags flags, AnonName? name)
    {
        bool leftSide = s == v.Start, rightSide = e == v.End;
        if ((flags & VmFlags.Special) != 0 || (!leftSide && !rightSide) || v.RefPage != 0) return null;
        ulong pgoff = v.PgOff + ((s - v.Start) >> Mem.PageShift);
        ulong pglen = (e - s) >> Mem.PageShift;
        var prev = leftSide ? p.Vmas.Prev(v) : null;
        bool mergeLeft = prev is not null && prev.End == s && AttrsMergeable(prev, flags, v.File, name) &&
                         AnonMergeable(v.AnonId, v, prev) && prev.PgOff + prev.Pages == pgoff;
        Vma? next = rightSide ? p.Vmas.Next(v) : null;
        bool mergeRight = next is not null && e == next.Start && AttrsMergeable(next, flags, v.File, name) &&
                          AnonMergeable(v.AnonId, v, next) && next.PgOff == pgoff + pglen &&
                          (!mergeLeft || AnonsCompatible(prev!, next));
        if (!mergeLeft && !mergeRight) return null;
        bool deleteVma = leftSide && rightSide;
        if (mergeLeft) prev = p.Vmas.Own(prev!);
        if (mergeRight) next = p.Vmas.Own(next!);

        if (mergeLeft && mergeRight)
        {
            DupAnon(prev!, next!.AnonId != 0 ? next : v);
            prev!.End = next.End;
            RemoveVma(p, v);
            RemoveVma(p, next);
            return prev;
        }
        if (mergeLeft)
        {
            DupAnon(prev!, v);
            prev!.End = e;
            if (deleteVma) RemoveVma(p, v);
            else { v.PgOff += (e - v.Start) >> Mem.PageShift; v.Start = e; }
            return prev;
        }
        DupAnon(next!, v);
        if (deleteVma)
        {
            next!.PgOff -= pglen;
            next.Start = v.Start;
            RemoveVma(p, v);
        }
        else
        {
            v.End = s;
            next!.PgOff -= (next.Start - s) >> Mem.PageShift;
            next.Start = s;
        }
        return next;
    }

    /// <summary>__split_vma: v keeps [v.Start, at) (a private copy if fork shared it); the returned new VMA is [at, v.End). Both share name and anon_vma.</summary>
    Vma Split(Process p, ref Vma v, ulong at)
    {
        v = p.Vmas.Own(v);
        var before = TracksMergeSites ? VmaShot.Of(v) : default;
        var upper = v.CloneShallow();
        upper.Start = at;
        upper.PgOff = v.PgOff + ((at - v.Start) >> Mem.PageShift);
        if (Mutated(Mutation.SplitForgetsName)) upper.Name = null;
        else upper.Name = NameShare(upper.Name, NameSite.Split);
        v.End = at;
        p.Vmas.Insert(upper);
        if (TracksMergeSites) splits.Add(new SplitSite(p.Index, before, VmaShot.Of(v), VmaShot.Of(upper)));
        return upper;
    }
}
