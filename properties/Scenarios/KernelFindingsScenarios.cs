using AnonVma.Model;
using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// Cases where the model first disagreed with a real kernel (issue 3's differential runs), kept as named scenarios
/// with the kernel's output. Each one is also replayed on the real kernels by Differential/, so the expectations below
/// stay observed, not just asserted. The generated trace that found each one is named.
/// </summary>
public class KernelFindingsScenarios
{
    const int LockedF = F | Map.Locked;

    [Fact] // gen-2 on 6.18: handles count memfd/file calls only; the /dev/zero file of shared anonymous memory is none
    public void Shared_anonymous_mmap_takes_no_handle()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW, SharedF);
            s.Memfd(P).Is("h0");
        }
    }

    [Fact] // gen-286 on 6.18: mm/memory.c do_fault_around maps the cached neighbours of a file read fault
    public void Read_fault_on_shmem_maps_cached_neighbours()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, 3 * P, RW, SharedF);
            s.Read(B);
            s.Read(B + 2 * P);
            s.Fork();
            Assert.Equal(0UL, s.Block(B, 1).Counters.Rss); // shared VMAs without anon_vma are not copied by fork
            s.Read(B + P, pid: 1); // not cached yet: its own fault, plus B and B+2P from the cache
            var c = s.Block(B, 1).Counters;
            Assert.Equal((12UL, 8UL, 12UL, 12UL), (c.Rss, c.Pss, c.SharedClean + c.PrivateClean, c.Referenced));
        }
    }

    [Fact] // gen-24 on 6.18: population (GUP with FOLL_TOUCH) sets PG_referenced, which smaps counts in the fork child
    public void Populated_page_counts_as_referenced_in_the_fork_child()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW, LockedF);
            s.Fork();
            var c = s.Block(B, 1).Counters; // the child's PTE is old, the folio is referenced
            Assert.Equal((4UL, 4UL, 0UL), (c.Rss, c.Referenced, c.Locked));
        }
    }

    [Fact] // gen-342 on 6.18: mprotect makes the exclusive PTE writable but clean; FOLL_WRITE|FOLL_TOUCH dirties the folio
    public void Mprotect_writable_on_locked_read_only_dirties_without_a_fault()
    {
        var s = On618(); // 6.12 maps the zero page on the read population, so the write populate faults a new page
        s.Mmap(B, P, R, LockedF);
        Assert.Equal((4UL, 0UL), (s.Block(B).Counters.PrivateClean, s.Block(B).Counters.PrivateDirty));
        s.Mprotect(B, P, Prot.Write).Is("0");
        Assert.Equal((0UL, 4UL), (s.Block(B).Counters.PrivateClean, s.Block(B).Counters.PrivateDirty));
    }

    [Fact] // gen-376 on 6.18: after fork a page is no longer AnonExclusive, so write population faults (PTE young again)
    public void Write_population_after_fork_faults_and_makes_the_pte_young()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW);
            s.Write(B);
            s.Fork();
            s.Munmap(B, P).Is("0"); // the parent lets go: the child's page is mapped once but still write-protected
            Assert.Equal(0UL, s.Block(B, 1).Counters.Referenced);
            s.Mlock(B, P, pid: 1).Is("0");
            var c = s.Block(B, 1).Counters;
            Assert.Equal((4UL, 4UL, 4UL), (c.Rss, c.PrivateDirty, c.Referenced));
        }
    }

    [Fact] // issue 12 on 6.18 and 6.12: a read the present PTE allows does not fault, so nothing is faulted around
    public void Read_of_a_present_shmem_page_maps_no_neighbours()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Memfd(2 * P).Is("h0");
            s.Mmap(B, 2 * P, RW, Map.Shared | Map.FixedNoReplace, handle: 0);
            s.Read(B);
            s.Fork();
            s.Read(B + P, pid: 1); // caches the second page (and maps the first by fault-around in p1)
            s.Read(B);             // present in p0: no fault, so p0 does not map the second page
            Assert.Equal(4UL, s.Block(B).Counters.Rss);
        }
    }

    [Fact] // fuzz seed 3970 on 6.18: zap_present_folio_ptes moves a dirty PTE's dirty bit to the shmem folio
    public void Unmapping_a_dirty_shmem_pte_dirties_the_folio_for_other_processes()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW, SharedF | Map.Populate);
            s.Write(B);   // the PTE is writable already: only the PTE becomes dirty
            s.Fork();
            s.Read(B, pid: 1);
            Assert.Equal((4UL, 0UL), (s.Block(B, 1).Counters.SharedClean, s.Block(B, 1).Counters.SharedDirty)); // p1's PTE is clean
            s.Munmap(B, P).Is("0"); // p0's dirty PTE goes; folio_mark_dirty keeps the data dirty
            var c = s.Block(B, 1).Counters;
            Assert.Equal((0UL, 4UL, 4UL), (c.PrivateClean, c.PrivateDirty, c.PssDirty));
        }
    }

    [Fact] // fuzz seed 2954 on 6.18: the mlock batch holds a page the other process then writes; drained, it is reused
    public void Page_written_after_fork_is_reused_once_the_batches_drain()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Mmap(B, P, RW, LockedF); // populated: the folio is referenced (FOLL_TOUCH) and unevictable
            s.Fork();
            s.Write(B);          // p0 copies; the old folio leaves p0's locked VMA: munlock_folio queues it
            // The executor drains the CPU's batches before each call (drain_cpu_batches), so the batch's reference
            // is gone by p1's write: wp_can_reuse_anon_folio finds the folio mapped once and reuses it. Without the
            // drain (6.14+ no longer drains in munmap or exit) the write copied it, into a folio not PG_referenced.
            s.Write(B, pid: 1);
            s.Fork(pid: 1);
            Assert.Equal((4UL, 4UL), (s.Block(B, 2).Counters.Rss, s.Block(B, 2).Counters.Referenced));
        }
    }

    [Fact] // campaign seed 500895 on 6.18: do_cow_fault attaches the anon_vma before the file raises SIGBUS
    public void Private_file_write_past_eof_attaches_the_anon_vma_before_sigbus()
    {
        foreach (var s in new[] { On612(), On618() })
        {
            s.Memfd(3 * P).Is("h0");
            s.Mmap(B + 8 * P, 6 * P, RW, Map.Private | Map.FixedNoReplace, handle: 0);
            s.Write(B + 13 * P).Is("SIGBUS"); // page 5 of a 3-page file, but the VMA has its anon_vma now
            s.Mlock(B + 8 * P, P).Is("0");    // split: both halves share that anon_vma
            s.Write(B + 10 * P).Is("0");
            s.Mlock(B + 9 * P, P).Is("0");    // same anon_vma on both sides, so the locked pages merge
            var lines = s.Maps().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.StartsWith("200000008000-20000000a000 rw-p 00000000", lines[0]);
        }
    }
}
