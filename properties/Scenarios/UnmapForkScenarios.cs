using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>munmap, MAP_FIXED replacement, fork, exit and touch scenarios (mm/vma.c:do_vmi_munmap, kernel/fork.c:dup_mmap, mm/memory.c faults).</summary>
public class UnmapForkScenarios
{
    [Fact] // mm/vma.c:do_vmi_munmap: EINVAL for an unaligned start or a bad length, 0 over a hole; vms_gather_munmap_vmas splits,
    // and neighbours are never merged after munmap
    public void Munmap_splits_and_never_merges_neighbours()
    {
        var s = On612();
        s.Mmap(B, 4 * P, RW);
        s.Munmap(B + P, P).Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(2, 4, "rw-p")), s.Maps());
        s.Munmap(B + P, P).Is("0");
        s.Munmap(B + 1, P).Is("-EINVAL");
        s.Munmap(B, 0).Is("-EINVAL");
        s.Munmap(B, ulong.MaxValue).Is("-EINVAL");
        s.Munmap(B + 2 * P, P).Is("0"); // neighbours are never merged after munmap
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(3, 4, "rw-p")), s.Maps());
    }

    [Fact] // mm/mmap.c:__mmap_region → mm/vma.c:vma_merge_new_range: MAP_FIXED over the middle of a faulted VMA merges with both
    // pieces of it (they share one singular anon_vma)
    public void Map_fixed_over_middle_merges_with_both_pieces()
    {
        var s = On612();
        s.Mmap(B, 3 * P, RW);
        s.Write(B);
        s.Write(B + P);
        const int fixedRw = Map.Private | Map.Anonymous | Map.Fixed;
        s.Mmap(B + P, P, RW, fixedRw).Is(B + P);
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
        Assert.Equal(4UL, s.Block(B).Counters.Rss); // the middle page was replaced by a fresh one
        s.Mmap(B + P, P, R, fixedRw).Is(B + P);
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "r--p"), L(2, 3, "rw-p")), s.Maps());
        s.Mmap(B + P, P, RW, fixedRw).Is(B + P);
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/vma.c:vms_gather_munmap_vmas: splitting the middle of a VMA at vm.max_map_count is ENOMEM
    public void Munmap_middle_split_at_map_count_is_ENOMEM()
    {
        var s = new Scenario(KernelProfile.Linux612 with { MaxMapCount = 1 });
        s.Mmap(B, 3 * P, RW);
        s.Munmap(B + P, P).Is("-ENOMEM");
        s.Munmap(B + 2 * P, P).Is("0"); // the tail needs no check
        Assert.Equal(L(0, 2, "rw-p"), s.Maps());
    }

    [Fact] // kernel/fork.c:dup_mmap: DONTFORK VMAs are left out, lo is cleared, WIPEONFORK VMAs start empty, faulted pages are
    // shared (mm/memory.c:copy_page_range), and anon_vma_fork gives each child VMA its own anon_vma, so the child's pieces
    // stay apart; the child's Referenced 0 and the halved Locked were observed on the 6.18 host
    public void Fork_drops_dontfork_unlocks_wipes_and_shares_pages()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW);
            s.Write(B);
            s.Mprotect(B + 2 * P, P, R);
            s.Mmap(B + 3 * P, P, RW);
            s.Mlock(B + 3 * P, P);
            s.Mmap(B + 5 * P, P, RW);
            s.Madvise(B + 5 * P, P, Madv.DontFork);
            s.Mmap(B + 7 * P, P, RW);
            s.Madvise(B + 7 * P, P, Madv.WipeOnFork);
            s.Write(B + 7 * P);
            s.Fork().Is("p1");
            Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "r--p"), L(3, 4, "rw-p"), L(7, 8, "rw-p")), s.Maps(1));
            Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + 3 * P, pid: 1));
            Assert.Equal(0UL, s.Block(B + 3 * P, pid: 1).Counters.Locked);
            Assert.Equal(2UL, s.Block(B + 3 * P, pid: 0).Counters.Locked); // the parent's Locked halves
            Assert.Equal(("rd wr mr mw me ac wf ", 0UL), (s.VmFlagsAt(B + 7 * P, pid: 1), s.Block(B + 7 * P, pid: 1).Counters.Rss));
            foreach (var pid in new[] { 0, 1 })
            {
                var c = s.Block(B, pid).Counters;
                Assert.Equal((4UL, 2UL, 4UL, 0UL), (c.Rss, c.Pss, c.SharedDirty, c.PrivateDirty));
            }
            Assert.Equal((4UL, 0UL), (s.Block(B, 0).Counters.Referenced, s.Block(B, 1).Counters.Referenced));
            s.Mprotect(B + 2 * P, P, RW, pid: 1).Is("0");
            Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "rw-p"), L(3, 4, "rw-p"), L(7, 8, "rw-p")), s.Maps(1));
            s.Mprotect(B + 2 * P, P, RW, pid: 0).Is("0");
            Assert.Equal(Lines(L(0, 3, "rw-p"), L(3, 4, "rw-p"), L(5, 6, "rw-p"), L(7, 8, "rw-p")), s.Maps(0));
        }
    }

    [Fact] // kernel/fork.c:dup_mmap shares names (vm_area_dup → dup_anon_vma_name); mm/vma.c:is_mergeable_anon_vma refuses a new
    // mapping next to the child's inherited faulted VMA (its anon_vma_chain is not singular); kernel/fork.c:mm_init keeps only
    // VM_INIT_DEF_MASK of def_flags, so mlockall(MCL_FUTURE) is not inherited
    public void Names_and_merging_after_fork()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Write(B);
        s.Mmap(B + 4 * P, P, RW);
        s.Mmap(B + 8 * P, P, RW);
        s.Name(B + 8 * P, P, "n");
        s.Mlockall(Mlock.McFuture);
        s.Fork().Is("p1");
        Assert.Equal(L(8, 9, "rw-p", "[anon:n]"), s.Maps(1).Split('\n')[2] + "\n");
        Assert.Equal(2, Assert.Single(s.Model.LiveNames).Refs);
        s.Mmap(B + P, P, RW, pid: 1);
        s.Mmap(B + 5 * P, P, RW, pid: 1);
        Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(4, 6, "rw-p"), L(8, 9, "rw-p", "[anon:n]")), s.Maps(1));
        Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B + P, pid: 1));
        s.Mmap(B + 10 * P, P, RW, pid: 0);
        Assert.Equal("rd wr mr mw me lo ac ", s.VmFlagsAt(B + 10 * P, pid: 0));
        s.Exit(1).Is("0");
        Assert.Equal(1, Assert.Single(s.Model.LiveNames).Refs);
        Assert.Throws<TraceException>(() => s.Model.Apply(new MunmapCall(1, B, P)));
    }

    [Fact] // mm/memory.c:do_wp_page → wp_page_copy: a write by either side breaks COW for that page only
    public void Cow_break_after_fork()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Write(B);
        s.Write(B + P);
        s.Fork();
        s.Write(B, pid: 1);
        foreach (var pid in new[] { 0, 1 })
        {
            var c = s.Block(B, pid).Counters;
            Assert.Equal((8UL, 6UL, 4UL, 4UL), (c.Rss, c.Pss, c.PrivateDirty, c.SharedDirty));
        }
        s.Exit(1);
        var p = s.Block(B, 0).Counters;
        Assert.Equal((8UL, 8UL, 8UL), (p.Rss, p.Pss, p.PrivateDirty));
    }

    [Fact] // mm/memory.c:vma_needs_copy: shared anonymous pages are not copied at fork; the child maps them on touch, then they are shared
    public void Shared_anon_after_fork()
    {
        var s = On612();
        s.Mmap(B, P, RW, SharedF);
        s.Write(B);
        s.Fork();
        Assert.Equal(0UL, s.Block(B, 1).Counters.Rss);
        s.Read(B, pid: 1);
        var c = s.Block(B, 1).Counters;
        Assert.Equal((4UL, 2UL, 4UL, 0UL), (c.Rss, c.Pss, c.SharedDirty, c.Anonymous));
    }

    [Fact] // arch/x86/mm/fault.c:access_error: writes need VM_WRITE; reads need any access bit
    public void Touch_permissions()
    {
        var s = On612();
        s.Write(B).Is("SIGSEGV");
        s.Mmap(B, P, NONE);
        s.Read(B).Is("SIGSEGV");
        s.Mmap(B + P, P, R);
        s.Write(B + P).Is("SIGSEGV");
        s.Read(B + P).Is("0");
        s.Mmap(B + 2 * P, P, Prot.Write);
        s.Read(B + 2 * P).Is("0");
        s.Write(B + 2 * P).Is("0");
    }

    [Fact] // a touch at or beyond a memfd's size is SIGBUS (observed on the 6.18 host, executor sample 'memfd')
    public void Touch_beyond_memfd_size_is_SIGBUS()
    {
        var s = On612();
        s.Memfd(P);
        s.Mmap(B, 2 * P, RW, Map.Shared | Map.FixedNoReplace, handle: 0);
        s.Write(B).Is("0");
        s.Write(B + P).Is("SIGBUS");
    }

    [Fact] // mm/memory.c:do_anonymous_page: a read fault maps the zero page on 6.12 (no anon_vma), a real dirty page in a writable VMA on 6.18
    public void Read_fault_by_profile()
    {
        var a = On612();
        a.Mmap(B, P, RW);
        a.Read(B);
        Assert.Equal(0UL, a.Block(B).Counters.Rss);
        Assert.False(a.Proc().Vmas.Containing(B)!.HasAnonVma);
        var b = On618();
        b.Mmap(B, P, RW);
        b.Read(B);
        var c = b.Block(B).Counters;
        Assert.Equal((4UL, 4UL, 4UL), (c.Rss, c.PrivateDirty, c.Anonymous));
    }

    [Fact] // mm/vma.c:is_mergeable_vma, can_vma_merge_after: a file mapping merges with the same file at a linear offset, never with
    // anonymous memory
    public void File_mappings_merge_only_with_their_file()
    {
        var s = On612();
        s.File(4 * P);
        s.Mmap(B, P, R, Map.Private | Map.FixedNoReplace, handle: 0);
        s.Mmap(B + P, P, R, Map.Private | Map.FixedNoReplace, handle: 0, off: P);
        Assert.Equal(1, s.Proc().Vmas.Count);
        s.Mmap(B + 2 * P, P, R);
        Assert.Equal(2, s.Proc().Vmas.Count);
    }

    [Fact] // mm/mmap.c:exit_mmap → remove_vma → __vm_area_free drops every reference; nothing leaks once the last process is gone
    public void Exit_releases_everything()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW);
        s.Name(B, P, "a");
        s.Write(B);
        s.Fork();
        s.Exit(0);
        s.Exit(1);
        Assert.Empty(s.Model.LiveNames);
    }
}
