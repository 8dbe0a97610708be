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
}
