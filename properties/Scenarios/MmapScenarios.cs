using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Text;
using AnonVma.Properties.Pure;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>mmap scenarios (mm/mmap.c:do_mmap, __mmap_region; 6.12 unless the name says otherwise).</summary>
public class MmapScenarios
{
    [Fact] // mm/vma.c:vma_merge_new_range: a new mapping extends its identical neighbour; observed identically on the 6.18 host
    // (executor sample 'merge')
    public void Adjacent_mmaps_merge()
    {
        var s = On612();
        s.Mmap(B, P, RW).Is(B);
        s.Mmap(B + P, P, RW).Is(B + P);
        Assert.Equal("200000000000-200000002000 rw-p 00000000 00:00 0 \n", s.Maps());
    }

    [Fact] // mm/vma.c:vma_merge_new_range: a new mapping between two identical neighbours merges with both
    public void Middle_mmap_merges_both_sides()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mmap(B + 2 * P, P, RW);
        s.Mmap(B + P, P, RW).Is(B + P);
        Assert.Equal(L(0, 3, "rw-p"), s.Maps());
    }

    [Fact] // mm/mmap.c:do_mmap: MAP_FIXED_NOREPLACE over a VMA is EEXIST; observed on the 6.18 host (executor sample 'eexist')
    public void Noreplace_on_occupied_is_EEXIST()
    {
        var s = On612();
        s.Mmap(B, P, RW).Is(B);
        s.Mmap(B, P, RW).Is("-EEXIST");
    }

    [Fact] // arch/x86/kernel/sys_x86_64.c:mmap (unaligned offset), mm/mmap.c:do_mmap (len 0; len wrapping to 0 when rounded up is
    // ENOMEM), __get_unmapped_area (an unaligned MAP_FIXED address)
    public void Mmap_length_alignment_and_offset_errors()
    {
        var s = On612();
        s.Mmap(B + 1, P, RW, Map.Private | Map.Anonymous | Map.Fixed).Is("-EINVAL");
        s.Mmap(B, 0, RW).Is("-EINVAL");
        s.Mmap(0, ulong.MaxValue, RW, Map.Private | Map.Anonymous).Is("-ENOMEM");
        s.Mmap(B, P, RW, F, off: 5).Is("-EINVAL");
        Assert.Equal("", s.Maps());
    }

    [Fact] // mm/mmap.c:do_mmap: the MAP_FIXED_NOREPLACE check (EEXIST) comes before the anonymous map-type switch, which refuses
    // type 0, MAP_SHARED_VALIDATE and MAP_SHARED|MAP_GROWSDOWN with EINVAL
    public void Map_type_errors_and_EEXIST_before_type()
    {
        var s = On612();
        s.Mmap(B, P, RW, Map.Anonymous | Map.FixedNoReplace).Is("-EINVAL");
        s.Mmap(B, P, RW, Map.SharedValidate | Map.Anonymous | Map.FixedNoReplace).Is("-EINVAL");
        s.Mmap(B, P, RW, Map.Shared | Map.Anonymous | Map.GrowsDown | Map.FixedNoReplace).Is("-EINVAL");
        s.Mmap(B, P, RW).Is(B);
        s.Mmap(B, P, RW, Map.Anonymous | Map.FixedNoReplace).Is("-EEXIST");
    }

    [Fact] // arch/x86/kernel/sys_x86_64.c:arch_get_unmapped_area_topdown: a usable hint is rounded down and taken; an occupied one
    // is not, and the search goes top-down instead
    public void Free_hint_is_rounded_down_and_taken_occupied_one_is_not()
    {
        var s = On612();
        s.Mmap(B + 8 * P + 5, P, RW, Map.Private | Map.Anonymous).Is(B + 8 * P);
        var o = s.Mmap(B + 8 * P, P, RW, Map.Private | Map.Anonymous);
        Assert.Equal(OutcomeKind.Address, o.Kind);
        Assert.NotEqual(B + 8 * P, o.Value);
        Assert.Equal(2, s.Proc().Vmas.Count);
    }

    [Fact] // mm/mmap.c:do_mmap sets a private anonymous mapping's pgoff from its address, so an aligned offset is ignored
    public void Offset_ignored_for_private_anon()
    {
        var s = On612();
        s.Mmap(B, P, RW, F, off: 7 * P).Is(B);
        Assert.Equal(L(0, 1, "rw-p"), s.Maps());
    }

    [Fact] // include/linux/mman.h:calc_vm_flag_bits: MAP_STACK gives nh only where THP is built in (the 6.18 host, not the tinyconfig
    // 6.12), MAP_SYNC gives sf; MAP_NORESERVE drops ac (mm/mmap.c:accountable_mapping); mm/vma.c:is_mergeable_vma compares them all
    public void Hidden_flags_keep_neighbours_apart()
    {
        foreach (var (s, stack) in new[] { (On612(), "rd wr mr mw me ac "), (On618(), "rd wr mr mw me ac nh ") })
        {
            s.Mmap(B, P, RW);
            s.Mmap(B + P, P, RW, F | Map.NoReserve);
            s.Mmap(B + 2 * P, P, RW, F | Map.Stack);
            s.Mmap(B + 3 * P, P, RW, F | Map.Sync);
            Assert.Equal(Lines(L(0, 1, "rw-p"), L(1, 2, "rw-p"), L(2, 3, "rw-p"), L(3, 4, "rw-p")), s.Maps());
            Assert.Equal("rd wr mr mw me ac ", s.VmFlagsAt(B));
            Assert.Equal("rd wr mr mw me nr ", s.VmFlagsAt(B + P));
            Assert.Equal(stack, s.VmFlagsAt(B + 2 * P));
            Assert.Equal("rd wr mr mw me ac sf ", s.VmFlagsAt(B + 3 * P));
        }
    }

    [Fact] // mm/shmem.c:shmem_zero_setup gives shared anon an unlinked shmem file "dev/zero"; fs/proc/task_mmu.c:show_map_vma shows
    // /dev/zero (deleted) at column 73 with the shm device
    public void Shared_anon_line_shows_dev_zero_deleted()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF).Is(B);
        var line = s.Maps().TrimEnd('\n');
        Assert.Equal(73, line.IndexOf("/dev/zero (deleted)"));
        Assert.StartsWith("200000000000-200000002000 rw-s 00000000 00:01 ", line);
        Assert.Equal("200000000000-200000002000 rw-s 00000000 *:* * /dev/zero (deleted)\n", Normalise.Inodes(s.Maps()));
        Assert.Equal("rd wr sh mr mw me ms ", s.VmFlagsAt(B));
    }

    [Fact] // mm/mmap.c:__mmap_region tries vma_merge_new_range before shmem_zero_setup, with no file, while each shared anonymous
    // VMA has its own file: shared anonymous mappings never merge at mmap time
    public void Two_shared_anon_mmaps_stay_apart()
    {
        var s = On612();
        s.Mmap(B, P, RW, SharedF);
        s.Mmap(B + P, P, RW, SharedF);
        var lines = s.Maps().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.NotEqual(ProcText.ParseMaps(lines[0]).Inode, ProcText.ParseMaps(lines[1]).Inode);
    }

    [Fact] // mm/vma.c:vms_gather_munmap_vmas → __split_vma: the upper piece keeps its file with pgoff advanced, and
    // fs/proc/task_mmu.c:show_map_vma shows offset pgoff*P
    public void Munmap_front_of_shared_anon()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, SharedF);
        var ino = ProcText.ParseMaps(s.Maps().TrimEnd('\n')).Inode;
        s.Munmap(B, P).Is("0");
        var line = ProcText.ParseMaps(s.Maps().TrimEnd('\n'));
        Assert.Equal(("rw-s", 0x1000UL, ino, "/dev/zero (deleted)"), (line.Perms, line.Offset, line.Inode, line.Name));
        Assert.Equal((B + P, B + 2 * P), (line.Start, line.End));
    }

    [Fact] // mm/util.c:vm_mmap_pgoff populates MAP_POPULATE; mm/gup.c:populate_vma_page_range write-faults private writable memory;
    // read-only gets the zero page on 6.12 (mm/memory.c:do_anonymous_page)
    public void Populate_private_rw_and_ro()
    {
        var s = On612();
        s.Mmap(B, 2 * P, RW, F | Map.Populate);
        s.Mmap(B + 3 * P, 2 * P, R, F | Map.Populate);
        Assert.Equal((8UL, 8UL, 8UL), (s.Block(B).Counters.Rss, s.Block(B).Counters.PrivateDirty, s.Block(B).Counters.Anonymous));
        Assert.Equal(0UL, s.Block(B + 3 * P).Counters.Rss);
    }

    [Fact] // observed on the 6.18 host: read faults allocate real pages, Private_Clean on a read-only mapping (6.12 maps the zero page)
    public void Populate_read_only_on_6_18_allocates_pages()
    {
        var s = On618();
        s.Mmap(B, 2 * P, R, F | Map.Populate);
        var c = s.Block(B).Counters;
        Assert.Equal((8UL, 8UL, 8UL), (c.Rss, c.PrivateClean, c.Anonymous));
    }

    [Fact] // mm/mmap.c:do_mmap: a new mapping is refused with ENOMEM once map_count exceeds vm.max_map_count
    public void Mmap_beyond_max_map_count_is_ENOMEM()
    {
        var s = new Scenario(AnonVma.Model.KernelProfile.Linux612 with { MaxMapCount = 2 });
        s.Mmap(B, P, RW);
        s.Mmap(B + 2 * P, P, RW);
        s.Mmap(B + 4 * P, P, RW).Is(B + 4 * P); // map_count 2 is not > 2
        s.Mmap(B + 6 * P, P, RW).Is("-ENOMEM");
    }

    [Fact] // mm/mmap.c:ksys_mmap_pgoff: a file mapping without a valid descriptor is EBADF
    public void Mmap_without_anonymous_and_no_fd_is_EBADF()
    {
        var s = On612();
        s.Mmap(B, P, RW, Map.Private | Map.FixedNoReplace).Is("-EBADF");
    }

    [Fact] // arch/x86/kernel/sys_x86_64.c:arch_get_unmapped_area_topdown: two hint-less mmaps land top-down and adjacent, so they
    // merge (the documented placement simplification)
    public void Hintless_mmaps_land_adjacent_and_merge()
    {
        var s = On612();
        var a = s.Mmap(0, P, RW, Map.Private | Map.Anonymous);
        var b = s.Mmap(0, P, RW, Map.Private | Map.Anonymous);
        Assert.Equal(a.Value - P, b.Value);
        Assert.Equal(1, s.Proc().Vmas.Count);
    }
}
