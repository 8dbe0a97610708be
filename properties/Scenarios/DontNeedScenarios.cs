using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// madvise(MADV_DONTNEED) (mm/madvise.c:madvise_dontneed_free, madvise_dontneed_single_vma; mm/memory.c:
/// zap_page_range_single): the range's pages are unmapped, the VMAs stay as they were. Replayed on both kernels
/// through the scenario corpus.
/// </summary>
public class DontNeedScenarios
{
    const int DontNeed = Madv.DontNeed;

    [Fact] // zap_page_range_single over the middle page: no split, no flag, the name kept; Rss drops by that page
    public void DontNeed_zaps_pages_and_keeps_the_vma()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW);
            if (s.Model.Profile.AnonVmaName) s.Name(B, 3 * P, "heap").Is("0");
            for (ulong i = 0; i < 3; i++) s.Write(B + i * P);
            Assert.Equal(12UL, s.Block(B).Counters.Rss);
            string maps = s.Maps();
            s.Madvise(B + P, P, DontNeed).Is("0");
            Assert.Equal(maps, s.Maps());
            Assert.Equal(8UL, s.Block(B).Counters.Rss);
            Assert.Equal(8UL, s.Block(B).Counters.Anonymous);
            s.Madvise(B, 3 * P, DontNeed).Is("0");
            Assert.Equal(0UL, s.Block(B).Counters.Rss);
            s.Write(B + P); // a fresh zero-filled page
            Assert.Equal(4UL, s.Block(B).Counters.PrivateDirty);
        }
    }

    [Fact] // madvise_dontneed_free_valid_vma: VM_LOCKED refuses with EINVAL, and the walk stops there
    public void DontNeed_on_locked_memory_is_EINVAL()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW);
            s.Mmap(B + 2 * P, 2 * P, RW, F | Map.Locked);
            s.Write(B);
            s.Madvise(B, 4 * P, DontNeed).Is("-EINVAL");
            Assert.Equal(0UL, s.Block(B).Counters.Rss); // the unlocked VMA before it was zapped first
            Assert.Equal(8UL, s.Block(B + 2 * P).Counters.Rss);
            s.Munlock(B + 2 * P, 2 * P).Is("0");
            s.Madvise(B + 2 * P, 2 * P, DontNeed).Is("0");
            Assert.Equal(0UL, s.Block(B + 2 * P).Counters.Rss);
        }
    }

    [Fact] // madvise_walk_vmas: a hole is ENOMEM at the end, after the mapped parts were zapped
    public void DontNeed_across_a_hole_zaps_and_says_ENOMEM()
    {
        var s = On612();
        s.Mmap(B, P, RW);
        s.Mmap(B + 2 * P, P, RW);
        s.Write(B);
        s.Write(B + 2 * P);
        s.Madvise(B, 3 * P, DontNeed).Is("-ENOMEM");
        Assert.Equal(0UL, s.Block(B).Counters.Rss);
        Assert.Equal(0UL, s.Block(B + 2 * P).Counters.Rss);
        s.Madvise(B + 1, P, DontNeed).Is("-EINVAL");
        s.Madvise(B, 0, DontNeed).Is("0");
    }

    [Fact] // zap_present_folio_ptes: a shmem page keeps its data and its dirty bit moves to the folio, so it reads back dirty
    public void DontNeed_on_shared_memory_keeps_the_page()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 2 * P, RW, SharedF);
            s.Write(B);
            s.Madvise(B, 2 * P, DontNeed).Is("0");
            Assert.Equal(0UL, s.Block(B).Counters.Rss);
            s.Read(B);
            var c = s.Block(B).Counters;
            Assert.Equal(4UL, c.Rss);
            Assert.Equal(4UL, c.PrivateDirty);
        }
    }

    [Fact] // after fork the child's zap drops its share: the parent's page is its own again
    public void DontNeed_in_a_fork_child_unshares_the_parent()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW);
            s.Write(B);
            s.Fork();
            Assert.Equal(4UL, s.Block(B).Counters.SharedDirty);
            s.Madvise(B, P, DontNeed, pid: 1).Is("0");
            Assert.Equal(0UL, s.Block(B, pid: 1).Counters.Rss);
            Assert.Equal(4UL, s.Block(B).Counters.PrivateDirty);
            s.Write(B); // reused: no copy
            Assert.Equal(4UL, s.Block(B).Counters.Rss);
        }
    }
}
