using AnonVma.Model;
using AnonVma.Model.Abi;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// The overcommit heuristic (vm.overcommit_memory=0, mm/util.c:__vm_enough_memory): one charge larger than
/// totalram_pages() + total_swap_pages is ENOMEM. Written for Linux 6.12 under QEMU, whose guest has 125,994 pages of
/// RAM and no swap, so the boundary sizes below are that kernel's; the corpus replays them there.
/// </summary>
public class OvercommitScenarios
{
    const int FixedAnon = Map.Private | Map.Anonymous | Map.Fixed;

    /// <summary>RAM + swap of the 6.12 guest, in bytes: the largest single charge OVERCOMMIT_GUESS lets through.</summary>
    static readonly ulong Limit = (KernelProfile.Linux612.TotalRamPages + KernelProfile.Linux612.TotalSwapPages) * P;

    [Fact] // the call: __mmap_region's accountable_mapping charge is refused before anything is mapped or populated
    public void A_256_GiB_populating_private_mapping_is_ENOMEM_at_once()
    {
        var s = On612();
        s.Mmap(B, 0x4000000000, RW, F | Map.Populate).Is("-ENOMEM");
        Assert.Equal("", s.Maps());
        Assert.Empty(s.Proc().Ptes);
    }

    [Fact] // __vm_enough_memory (GUESS): pages > totalram_pages() + total_swap_pages is refused; equal is not
    public void A_private_writable_mapping_of_exactly_ram_plus_swap_fits_and_one_page_more_is_ENOMEM()
    {
        var s = On612();
        s.Mmap(B, Limit, RW, F).Is(B);
        Assert.Contains(" ac", s.VmFlagsAt(B));
        s.Munmap(B, Limit).Is("0");
        s.Mmap(B, Limit + P, RW, F).Is("-ENOMEM");
        Assert.Equal("", s.Maps());
    }

    [Fact] // do_mmap: MAP_NORESERVE sets VM_NORESERVE outside OVERCOMMIT_NEVER, and accountable_mapping skips it
    public void Map_noreserve_of_one_page_more_than_ram_plus_swap_is_accepted_without_ac()
    {
        var s = On612();
        s.Mmap(B, Limit + P, RW, F | Map.NoReserve).Is(B);
        string flags = s.VmFlagsAt(B);
        Assert.Contains(" nr", flags);
        Assert.DoesNotContain(" ac", flags);
    }

    [Fact] // accountable_mapping: only private writable mappings are charged at mmap
    public void A_read_only_private_mapping_larger_than_ram_plus_swap_is_accepted()
    {
        var s = On612();
        s.Mmap(B, Limit + P, R, F).Is(B);
        Assert.DoesNotContain(" ac", s.VmFlagsAt(B));
    }

    [Fact] // shmem_zero_setup -> __shmem_file_setup: shmem_acct_size charges the whole size, whatever the protection
    public void A_shared_anonymous_mapping_larger_than_ram_plus_swap_is_ENOMEM_even_read_only_but_not_with_noreserve()
    {
        var s = On612();
        s.Mmap(B, Limit + P, RW, SharedF).Is("-ENOMEM");
        s.Mmap(B, Limit + P, R, SharedF).Is("-ENOMEM");
        Assert.Equal("", s.Maps());
        s.Mmap(B, Limit, RW, SharedF).Is(B);
        s.Munmap(B, Limit).Is("0");
        s.Mmap(B, Limit + P, RW, SharedF | Map.NoReserve).Is(B);
        Assert.StartsWith($"{B:x12}-{B + Limit + P:x12} rw-s 00000000 00:01 ", s.Maps());
    }

    [Fact] // mprotect_fixup: a private mapping turning writable is charged for the fixup's pages; a refusal changes nothing
    public void Mprotect_to_writable_of_a_large_read_only_private_mapping_is_ENOMEM()
    {
        var s = On612();
        s.Mmap(B, Limit + P, R, F).Is(B);
        s.Mprotect(B, Limit + P, RW).Is("-ENOMEM");
        Assert.Equal($"{B:x12}-{B + Limit + P:x12} r--p 00000000 00:00 0 \n", s.Maps());
        // One page is a small charge: the VMA splits and the writable page is accounted.
        s.Mprotect(B, P, RW).Is("0");
        Assert.Contains(" ac", s.VmFlagsAt(B));
        Assert.DoesNotContain(" ac", s.VmFlagsAt(B + P));
        // Back to PROT_READ: an anonymous VMA without an anon_vma drops VM_ACCOUNT, so the two halves merge again,
        // and making the whole writable is one fixup, still too large.
        s.Mprotect(B, P, R).Is("0");
        Assert.Equal($"{B:x12}-{B + Limit + P:x12} r--p 00000000 00:00 0 \n", s.Maps());
        s.Mprotect(B, Limit + P, RW).Is("-ENOMEM");
    }

    [Fact] // __mmap_region: MAP_FIXED is charged only for pages the replaced VMAs had not charged (vms->nr_accounted)
    public void Map_fixed_over_an_accounted_mapping_is_charged_only_for_the_new_pages()
    {
        var s = On612();
        s.Mmap(B, Limit, RW, F).Is(B);
        s.Mmap(B, Limit + P, RW, FixedAnon).Is(B);
        Assert.Equal($"{B:x12}-{B + Limit + P:x12} rw-p 00000000 00:00 0 \n", s.Maps());
    }

    [Fact] // vms_gather_munmap_vmas splits before the charge; vms_abort_munmap_vmas puts the pieces back unmerged
    public void A_refused_map_fixed_leaves_the_vma_it_cut_split()
    {
        var s = On612();
        s.Mmap(B, 4 * P, R, F).Is(B);
        s.Mmap(B + P, Limit + P, RW, FixedAnon).Is("-ENOMEM");
        Assert.Equal(Lines(L(0, 1, "r--p"), L(1, 4, "r--p")), s.Maps());
    }

    [Fact] // dup_mmap: each VM_ACCOUNT VMA is charged again for the child; one larger than RAM + swap fails the fork
    public void Fork_of_a_merged_accounted_vma_larger_than_ram_plus_swap_is_ENOMEM_and_uses_up_its_number()
    {
        var s = On612();
        ulong half = (Limit / 2 / P + 1) * P;
        s.Mmap(B, half, RW, F).Is(B);
        s.Mmap(B + half, half, RW, F).Is(B + half); // merges: one VMA of 2 * half > RAM + swap
        Assert.Equal($"{B:x12}-{B + 2 * half:x12} rw-p 00000000 00:00 0 \n", s.Maps());
        s.Write(B).Is("0");
        s.Fork().Is("-ENOMEM");
        Assert.False(s.Proc(1).Running);
        s.Munmap(B + half, half).Is("0");
        s.Fork().Is("p2");
        Assert.Equal(s.Maps(0), s.Maps(2));
    }
}
