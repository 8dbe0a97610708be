using AnonVma.Model.Abi;
using AnonVma.Model.Text;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>prctl(PR_SET_VMA_ANON_NAME) scenarios (kernel/sys.c:prctl_set_vma, mm/madvise.c:madvise_set_anon_name).</summary>
public class NamingScenarios
{
    [Fact] // kernel/sys.c:prctl_set_vma -> mm/util.c:strndup_user: the string is read from the caller's memory when the
    // prctl runs (strnlen_user faults its pages in as reads do; EFAULT where it cannot, EINVAL without a NUL in 80
    // bytes), then copied, so later stores do not change the name; observed on 6.12, smaps included
    public void Name_read_from_the_process_memory()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Store(B, 'a').Is("0");
        s.Store(B + 1, 'b').Is("0");
        s.NameFrom(B + P, P, B).Is("0");
        s.NameFrom(B + 2 * P, P, B + 2 * P - 2).Is("0"); // two zero bytes of an untouched page: the empty name
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p", "[anon:ab]"), L(2, 3, "rw-p", "[anon:]")), s.Maps());
        s.Store(B, 'c').Is("0");
        Assert.Equal(L(1, 2, "rw-p", "[anon:ab]"), s.Maps().Split('\n')[1] + "\n");
        s.Mprotect(B, P, NONE).Is("0");
        s.NameFrom(B + 2 * P, P, B).Is("-EFAULT");
        for (int i = 0; i < 80; i++) s.Store(B + P + (ulong)i, 'x');
        s.NameFrom(B + 2 * P, P, B + P).Is("-EINVAL");
        s.Store(B + P + 79, '\0').Is("0");
        s.NameFrom(B + 2 * P, P, B + P).Is("0");
        Assert.Equal(L(2, 3, "rw-p", "[anon:" + new string('x', 79) + "]"), s.Maps().Split('\n')[2] + "\n");
    }

    [Fact] // mm/madvise.c:madvise_update_vma → mm/vma.c:vma_modify_flags_name: naming splits, and a neighbour with an equal name
    // merges; observed on 6.12: two separately named adjacent ranges merge
    public void Name_middle_then_grow_then_clear()
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

    [Fact] // kernel/sys.c:prctl_set_vma (the option, strndup_user's 80-byte limit, is_valid_name_char), then
    // mm/madvise.c:madvise_set_anon_name (alignment, length rounding and wrap, len 0 after the name was checked)
    public void Name_validation()
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

    [Fact] // include/linux/mm_inline.h:anon_vma_name_eq compares strings, so "" is not NULL and splits; observed on 6.12: "" shows [anon:]
    public void Empty_name_is_not_null()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Name(B + P, P, "").Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p", "[anon:]"), L(2, 3, "rw-p")), s.Maps());
    }

    [Fact] // mm/madvise.c:madvise_walk_vmas: holes are skipped and ENOMEM returned at the end; no VMA at or after the start is ENOMEM at once
    public void Holes_give_ENOMEM_but_mapped_parts_are_named()
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

    [Fact] // mm/madvise.c:madvise_vma_anon_name: a VMA with a file that is not anonymous shmem stops the walk with EBADF after
    // the anonymous part was named; madvise_walk_vmas only remembers a hole, so EBADF wins over ENOMEM
    public void Naming_a_regular_file_is_EBADF()
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

    [Fact] // fs/proc/task_mmu.c:get_vma_name: a named VMA with a file (shared anonymous memory, mm/shmem.c:shmem_zero_setup) is
    // [anon_shmem:NAME]; its unnamed rest stays /dev/zero (deleted)
    public void Shared_anon_is_named_anon_shmem()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF);
        s.Name(B, P, "shm").Is("0");
        Assert.Equal(
            "200000000000-200000001000 rw-s 00000000 *:* * [anon_shmem:shm]\n" +
            "200000001000-200000002000 rw-s 00001000 *:* * /dev/zero (deleted)\n", Normalise.Inodes(s.Maps()));
        Assert.Equal(73, s.Maps().IndexOf("[anon_shmem:shm]"));
    }

    [Fact] // mm/shmem.c:shmem_mmap gives an unlinked inode (memfd) the anonymous-shmem vm_ops, so vma_is_anon_shmem holds:
    // memfd mappings, shared or private, are anonymous shmem in 6.12 and can be named
    public void Memfd_mappings_can_be_named()
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

    [Fact] // kernel/sys.c:prctl_set_vma without CONFIG_ANON_VMA_NAME: every call is EINVAL; observed on the 6.18 host (executor sample 'name')
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

    [Fact] // kernel/sys.c:prctl_set_vma allocates one object per call (anon_vma_name_alloc); mm/madvise.c:replace_anon_vma_name and
    // splits (kernel/fork.c:vm_area_dup → dup_anon_vma_name) take references; __vm_area_free drops them: freed with the last VMA
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

    [Fact] // mm/madvise.c:madvise_update_vma skips a VMA whose flags and name (anon_vma_name_eq) are unchanged: no split, no new reference
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

    [Fact] // mm/vma.c:split_vma refuses at vm.max_map_count with ENOMEM, which mm/madvise.c:madvise_vma_anon_name reports as EAGAIN
    public void Name_split_at_map_count_is_EAGAIN()
    {
        var s = new Scenario(AnonVma.Model.KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Name(B + P, P, "x").Is("-EAGAIN");
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/mmap.c:__mmap_region proposes the new range to mm/vma.c:vma_merge_new_range with no name, and is_mergeable_vma
    // compares names: a new mapping never merges with a named neighbour
    public void New_mapping_does_not_merge_with_named()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Name(B, P, "x");
        s.Mmap(B + P, P, RW);
        Assert.Equal(Lines(L(0, 1, "rw-p", "[anon:x]"), L(1, 2, "rw-p")), s.Maps());
    }

    [Fact] // mm/vma.c:vma_merge_existing_range: equal strings from separate calls merge even after the pieces were faulted, since
    // both pages were faulted in one VMA and its pieces share its anon_vma
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
