using AnonVma.Model.Abi;
using AnonVma.Model.Text;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>prctl(PR_SET_VMA_ANON_NAME) scenarios (kernel/sys.c:prctl_set_vma, mm/madvise.c:madvise_set_anon_name).</summary>
public class NamingScenarios
{
    [Fact] // §17-34; observed on 6.12 (§16a): two separately named adjacent ranges merge
    public void S34_name_middle_then_grow_then_clear()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Name(B + P, P, "foo").Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p", "[anon:foo]"), L(2, 4, "rw-p")), s.Maps());
        Assert.Equal("200000001000-200000002000 rw-p 00000000 00:00 0                          [anon:foo]\n", L(1, 2, "rw-p", "[anon:foo]"));
        s.Name(B + 2 * P, P, "foo").Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 3, "rw-p", "[anon:foo]"), L(3, 4, "rw-p")), s.Maps());
        s.Name(B + P, 2 * P, null).Is("0");
        Assert.Equal(L(0, 4, "rw-p"), s.Maps());
        Assert.Empty(s.Model.LiveNames);
    }

    [Fact] // §17-35, §8 steps 1-7
    public void S35_name_validation()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Name(B, P, new string('x', 79)).Is("0");
        s.Name(B, P, new string('y', 80)).Is("-EINVAL");
        s.Name(B, P, "a b").Is("0");
        foreach (var bad in new[] { "a$b", "a[b", "a]b", "a\\b", "a`b", "a\tb", "a\u007fb", "caf\u00e9" })
            s.Name(B, P, bad).Is("-EINVAL");
        s.Do(new AnonVma.Model.NameCall(0, B, P, null, BadPointer: true)).Is("-EFAULT");
        s.Do(new AnonVma.Model.NameCall(0, B, P, "x", Option: 1)).Is("-EINVAL");
        s.Name(B + 1, P, "x").Is("-EINVAL");
        s.Name(B, 0, "x").Is("0");
        s.Name(B, ulong.MaxValue, "x").Is("-EINVAL");
        s.Name(B, 0, "a$b").Is("-EINVAL");
        Assert.Equal(Lines(L(0, 1, "rw-p", "[anon:a b]"), L(1, 2, "rw-p")), s.Maps());
    }

    [Fact] // §17-36, §8 step 9; observed on 6.12 (§16a): "" shows [anon:]
    public void S36_empty_name_is_not_null()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Name(B + P, P, "").Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p", "[anon:]"), L(2, 3, "rw-p")), s.Maps());
    }

    [Fact] // §17-37, §8 step 8
    public void S37_holes_give_ENOMEM_but_mapped_parts_are_named()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Name(B, 6 * P, "x").Is("-ENOMEM");
        Assert.Equal(L(0, 4, "rw-p", "[anon:x]"), s.Maps());
        s.Name(B + 8 * P, 2 * P, "y").Is("-ENOMEM");
        Assert.Equal(L(0, 4, "rw-p", "[anon:x]"), s.Maps());
        s.Mmap(B + 5 * P, P, RW);
        s.Name(B, 6 * P, "z").Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 4, "rw-p", "[anon:z]"), L(5, 6, "rw-p", "[anon:z]")), s.Maps());
    }

    [Fact] // §17-38, §2.5, §8 step 8: a regular file stops the walk with EBADF after the anonymous part was named
    public void S38_file_vma_is_EBADF()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.File(P).Is("h0");
        s.Mmap(B + P, P, R, Map.Private | Map.FixedNoReplace, handle: 0).Is(B + P);
        s.Name(B, 2 * P, "n").Is("-EBADF");
        Assert.StartsWith(L(0, 1, "rw-p", "[anon:n]"), s.Maps());
        s.Mmap(B + 3 * P, P, R, Map.Private | Map.FixedNoReplace, handle: 0);
        s.Name(B + 2 * P, 2 * P, "n").Is("-EBADF"); // a hole then the file: EBADF, not ENOMEM
    }

    [Fact] // §17-38, §12: shared anonymous memory is named [anon_shmem:NAME]; its unnamed rest stays /dev/zero (deleted)
    public void S38_shared_anon_named()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF);
        s.Name(B, P, "shm").Is("0");
        Assert.Equal(
            "200000000000-200000001000 rw-s 00000000 *:* * [anon_shmem:shm]\n" +
            "200000001000-200000002000 rw-s 00001000 *:* * /dev/zero (deleted)\n", Normalise.Inodes(s.Maps()));
        Assert.Equal(73, s.Maps().IndexOf("[anon_shmem:shm]"));
    }

    [Fact] // §17-38, §2.5: memfd mappings, shared or private, are anonymous shmem in 6.12 and can be named
    public void S38_memfd_named()
    {
        var s = On612();
        s.Memfd(4 * P).Is("h0");
        s.Mmap(B, P, RW, Map.Shared | Map.FixedNoReplace, handle: 0).Is(B);
        s.Mmap(B + 2 * P, P, RW, Map.Private | Map.FixedNoReplace, handle: 0, off: P).Is(B + 2 * P);
        s.Name(B, P, "mfd").Is("0");
        s.Name(B + 2 * P, P, "mfd2").Is("0");
        Assert.Equal(
            "200000000000-200000001000 rw-s 00000000 *:* * [anon_shmem:mfd]\n" +
            "200000002000-200000003000 rw-p 00001000 *:* * [anon_shmem:mfd2]\n", Normalise.Inodes(s.Maps()));
    }

    [Fact] // §8: without CONFIG_ANON_VMA_NAME every call is EINVAL; observed on the 6.18 host (executor sample 'name')
    public void Host_without_names_refuses_everything()
    {
        var s = On618();
        s.Mmap(B, P, RW);
        s.Name(B, P, "hello").Is("-EINVAL");
        s.Name(B, P, "").Is("-EINVAL");
        s.Name(B, P, null).Is("-EINVAL");
        s.Do(new AnonVma.Model.NameCall(0, B, P, null, BadPointer: true)).Is("-EINVAL");
        s.Do(new AnonVma.Model.NameCall(0, B, P, "x", Option: 5)).Is("-EINVAL");
        Assert.Equal(L(0, 1, "rw-p"), s.Maps());
    }

    [Fact] // §8 refcounting: one object per call, shared by the split pieces, freed when the last VMA lets go
    public void Name_objects_are_refcounted_and_freed()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Name(B, 3 * P, "a").Is("0");
        var obj = Assert.Single(s.Model.LiveNames);
        Assert.Equal(1, obj.Refs);
        s.Mprotect(B + P, P, R); // splits into three pieces sharing the object
        Assert.Equal(3, obj.Refs);
        s.Name(B, 3 * P, "b").Is("0");
        Assert.Equal(AnonVma.Model.State.NameState.Freed, obj.State);
        Assert.DoesNotContain(obj, s.Model.LiveNames);
        s.Munmap(B, 3 * P);
        Assert.Empty(s.Model.LiveNames);
    }

    [Fact] // §8: naming the same string again is a no-op and keeps the old object (no split, no new reference)
    public void Same_name_again_keeps_object()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Name(B, 3 * P, "a");
        var obj = Assert.Single(s.Model.LiveNames);
        s.Name(B + P, P, "a").Is("0");
        Assert.Equal(1, s.Proc().Vmas.Count);
        Assert.Same(obj, Assert.Single(s.Model.LiveNames));
    }

    [Fact] // §8 step 8: a split refused at max_map_count is reported as EAGAIN
    public void Name_split_at_map_count_is_EAGAIN()
    {
        var s = new Scenario(AnonVma.Model.KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Name(B + P, P, "x").Is("-EAGAIN");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // §2.4: a new mapping never merges with a named neighbour
    public void New_mapping_does_not_merge_with_named()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Name(B, P, "x");
        s.Mmap(B + P, P, RW);
        Assert.Equal(Lines(L(0, 1, "rw-p", "[anon:x]"), L(1, 2, "rw-p")), s.Maps());
    }

    [Fact] // §3.3 and §8: equal strings from separate calls merge even after the pieces were faulted (one anon_vma)
    public void Equal_names_merge_after_faults()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Write(B);
        s.Write(B + P);
        s.Name(B, P, "n");
        s.Name(B + P, P, "n");
        Assert.Equal(L(0, 2, "rw-p", "[anon:n]"), s.Maps());
    }
}
