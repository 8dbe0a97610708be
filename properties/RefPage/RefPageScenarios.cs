using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.State;
using AnonVma.Properties.Scenarios;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.RefPage;

/// <summary>
/// MAP_REFPAGE (seed 003) as small named scenarios on the model: the posted patch ported to 6.12 and its corrected
/// accounting (docs/MAP-REFPAGE.md). RefPageKernelTests hold the shrunk and generated traces to the ported kernel.
/// </summary>
public class RefPageScenarios
{
    const ulong Ref = B + 8 * P; // the reference page
    const int RefPrivate = Map.Private | Map.Fixed | Map.RefPage;

    static Scenario On(RefPageRules rules) => new(KernelProfile.Linux612 with { RefPage = rules }) { Checked = false };

    /// <summary>A populated anonymous reference page, then a child that maps it by reference, reads two pages and exits.</summary>
    static Scenario TwoReadsThenExit(RefPageRules rules)
    {
        var s = On(rules);
        s.Mmap(Ref, P, RW, F | Map.Populate).Is(Ref);
        s.Fork().Is("p1");
        s.Mmap(B, 2 * P, R, RefPrivate, pid: 1, off: Ref).Is(B);
        s.Read(B, pid: 1).Is("0");
        s.Read(B + P, pid: 1).Is("0");
        return s;
    }

    [Fact] // finish_fault counts the anonymous reference page by mm_counter_file (MM_SHMEMPAGES: it is swap-backed);
    // zap_present_folio_ptes takes it off by mm_counter (MM_ANONPAGES): the seed's dmesg, values included
    public void Two_read_faults_on_an_anonymous_reference_page_leave_the_seeds_bad_rss_counters()
    {
        var s = TwoReadsThenExit(RefPageRules.Posted);
        Assert.Equal([0L, 1, 0, 2], s.Proc(1).Rss); // the child's copy of the reference page's own PTE, and the two reads
        Assert.Equal("AnonPages is 1 but the page table holds 3 such pages", Invariants.RssCountersMatchPageTables(s.Model)?.Message);
        s.Exit(1).Is("0");
        Assert.Equal("Bad rss-counter state idx:1 val:-2, idx:3 val:2", Invariants.RssZeroAtExit(s.Model)?.Message);
    }

    [Fact] // counted by mm_counter at both ends, the same two reads balance
    public void The_corrected_accounting_balances()
    {
        var s = TwoReadsThenExit(RefPageRules.Corrected);
        Assert.Equal([0L, 3, 0, 0], s.Proc(1).Rss);
        Assert.Null(Invariants.RssCountersMatchPageTables(s.Model));
        s.Exit(1).Is("0");
        Assert.Null(Invariants.RssZeroAtExit(s.Model));
    }

    [Fact] // do_wp_page reuses an exclusive anonymous folio: after a read mapped the reference page, a write lands in it
    public void A_write_after_a_read_writes_into_the_reference_page()
    {
        var s = On(RefPageRules.Posted);
        s.Mmap(Ref, P, RW, F).Is(Ref);
        s.Store(Ref, 'p').Is("0");
        s.Mmap(B, P, RW, RefPrivate, off: Ref).Is(B);
        s.Read(B).Is("0");
        s.Store(B, 'x').Is("0");
        Assert.Equal((byte?)'x', UserMemory.Peek(s.Proc(), Ref)); // the pattern every other mapping reads is gone
        var fresh = On(RefPageRules.Posted);
        fresh.Mmap(Ref, P, RW, F).Is(Ref);
        fresh.Store(Ref, 'p').Is("0");
        fresh.Mmap(B, P, RW, RefPrivate, off: Ref).Is(B);
        fresh.Store(B, 'x').Is("0"); // no read first: do_cow_fault copies
        Assert.Equal((byte?)'p', UserMemory.Peek(fresh.Proc(), Ref));
    }

    [Fact] // the reference page is looked up by address on every fault: unmapped, the next fault is SIGSEGV
    public void An_unmapped_reference_page_makes_the_next_fault_sigsegv()
    {
        var s = On(RefPageRules.Posted);
        s.Mmap(Ref, P, RW, F | Map.Populate).Is(Ref);
        s.Mmap(B, 2 * P, R, RefPrivate, off: Ref).Is(B);
        s.Read(B).Is("0");
        s.Munmap(Ref, P).Is("0");
        s.Read(B).Is("0"); // already mapped: no fault
        s.Read(B + P).Is("SIGSEGV");
    }

    [Fact] // without the patch 0x200000 is an unknown flag: an anonymous mapping, the offset ignored
    public void Without_the_patch_the_flag_is_ignored()
    {
        var s = new Scenario(KernelProfile.Linux612);
        s.Mmap(B, P, RW, Map.Private | Map.Anonymous | Map.Fixed | Map.RefPage, off: Ref).Is(B);
        Assert.True(s.Proc().Vmas.Containing(B)!.IsAnonymous);
    }
}
