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

    // The open question (docs/MAP-REFPAGE.md): looked up on every fault (Corrected) or taken at mmap (Pinned).

    /// <summary>A written anonymous reference page 'a' and a two-page mapping of it that has read its first page.</summary>
    static Scenario OnePageRead(RefPageRules rules)
    {
        var s = On(rules);
        s.Mmap(Ref, P, RW, F | Map.Populate).Is(Ref);
        s.Store(Ref, 'a').Is("0");
        s.Mmap(B, 2 * P, R, RefPrivate, off: Ref).Is(B);
        s.Read(B).Is("0");
        return s;
    }

    [Fact] // munmap: the lookup faults SIGSEGV on the next page; the page taken at mmap stays readable
    public void An_unmapped_reference_page_breaks_the_lookup_and_not_the_pinned_page()
    {
        var lookup = OnePageRead(RefPageRules.Corrected);
        lookup.Munmap(Ref, P).Is("0");
        lookup.Read(B + P).Is("SIGSEGV");
        Assert.Equal(nameof(RefPageProperties.FaultsKeepWorking), RefPageProperties.FaultsKeepWorking(lookup.Model)?.Check);
        var pinned = OnePageRead(RefPageRules.Pinned);
        pinned.Munmap(Ref, P).Is("0");
        pinned.Read(B + P).Is("0");
        Assert.Equal((byte?)'a', UserMemory.Peek(pinned.Proc(), B + P));
        Assert.Null(RefPageProperties.FaultsKeepWorking(pinned.Model));
    }

    [Fact] // remap: after the address is mapped anew, the lookup's next read gives the new page; the pinned one the old
    public void A_remapped_reference_address_splits_the_lookups_reads_and_not_the_pinned_ones()
    {
        foreach (var (rules, expect) in new[] { (RefPageRules.Corrected, 'b'), (RefPageRules.Pinned, 'a') })
        {
            var s = OnePageRead(rules);
            s.Mmap(Ref, P, RW, Map.Private | Map.Anonymous | Map.Fixed | Map.Populate).Is(Ref); // over the old page
            s.Store(Ref, 'b').Is("0");
            s.Read(B + P).Is("0");
            Assert.Equal((byte?)'a', UserMemory.Peek(s.Proc(), B));
            Assert.Equal((byte?)expect, UserMemory.Peek(s.Proc(), B + P));
            Assert.Equal(rules == RefPageRules.Corrected, RefPageProperties.ReadsShareOnePage(s.Model) is not null);
        }
    }

    [Fact] // a write that copies the reference page (its owner forked): neither variant's earlier reads follow it
    public void A_copied_reference_page_leaves_both_variants_reading_the_old_one()
    {
        foreach (var rules in new[] { RefPageRules.Corrected, RefPageRules.Pinned })
        {
            var s = OnePageRead(rules);
            s.Fork().Is("p1");
            s.Store(Ref, 'b').Is("0"); // the parent's page is shared with p1 now: the store copies it
            Assert.Equal((byte?)'a', UserMemory.Peek(s.Proc(), B));
            Assert.Equal(nameof(RefPageProperties.ReadsFollowTheAddress), RefPageProperties.ReadsFollowTheAddress(s.Model)?.Check);
        }
    }

    [Fact] // the page taken at mmap must exist then: an unmapped address is EFAULT at mmap, not SIGSEGV at a fault
    public void The_pinned_variant_refuses_an_unmapped_reference_at_mmap()
    {
        var s = On(RefPageRules.Pinned);
        s.Mmap(B, P, R, RefPrivate, off: Ref).Is("-EFAULT");
        var lookup = On(RefPageRules.Corrected);
        lookup.Mmap(B, P, R, RefPrivate, off: Ref).Is(B);
        lookup.Read(B).Is("SIGSEGV");
    }

    [Fact] // without the patch 0x200000 is an unknown flag: an anonymous mapping, the offset ignored
    public void Without_the_patch_the_flag_is_ignored()
    {
        var s = new Scenario(KernelProfile.Linux612);
        s.Mmap(B, P, RW, Map.Private | Map.Anonymous | Map.Fixed | Map.RefPage, off: Ref).Is(B);
        Assert.True(s.Proc().Vmas.Containing(B)!.IsAnonymous);
    }
}
