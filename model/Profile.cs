namespace AnonVma.Model;

/// <summary>Which anon_vma merge rule a kernel applies (mm/vma.c:is_mergeable_anon_vma).</summary>
public enum AnonMergeRule
{
    /// <summary>6.12: a null side merges only into a target whose anon_vma chain is singular; an empty chain is not (the quirk).</summary>
    SingularChain,
    /// <summary>6.16+ (879bca0a2c4f): a null side merges unless the faulted side is a fork child.</summary>
    ForkChildOnly,
}

/// <summary>
/// MAP_REFPAGE (seed 003, never merged): whether a kernel has it, and which of its open questions it answers how
/// (docs/MAP-REFPAGE.md).
/// </summary>
public enum RefPageRules
{
    /// <summary>Every real kernel: 0x200000 is an unknown mmap flag, ignored.</summary>
    None,
    /// <summary>The patch as posted, on 6.12: a read fault maps the reference page and counts it by mm_counter_file.</summary>
    Posted,
    /// <summary>The posted patch with its RSS accounting corrected: the mapping is counted by mm_counter, as it is zapped.</summary>
    Corrected,
    /// <summary>
    /// The cover letter's alternative, with the corrected accounting: mmap takes a reference to the page (get_user_pages,
    /// EFAULT when it cannot) that the VMA and every copy of it hold, and faults map that page, never looking it up again.
    /// </summary>
    Pinned,
}

/// <summary>vm.overcommit_memory: how mm/util.c:__vm_enough_memory decides whether a charge fits.</summary>
public enum OvercommitMode
{
    /// <summary>OVERCOMMIT_GUESS (0, the default): refuse one charge larger than totalram_pages() + total_swap_pages.</summary>
    Guess = 0,
    /// <summary>OVERCOMMIT_ALWAYS (1): every charge fits.</summary>
    Always = 1,
    /// <summary>OVERCOMMIT_NEVER (2): the limit depends on the whole machine's Committed_AS, which the model cannot know.</summary>
    Never = 2,
}

/// <summary>Everything that differs between the kernels the model imitates; code asks the profile, never a version string.</summary>
public sealed record KernelProfile
{
    /// <summary>Short name used on command lines and in trace headers.</summary>
    public required string Name { get; init; }
    /// <summary>CONFIG_ANON_VMA_NAME: without it every PR_SET_VMA is EINVAL.</summary>
    public required bool AnonVmaName { get; init; }
    /// <summary>A read fault on private anonymous memory maps the shared zero page (no Rss, no anon_vma).</summary>
    public required bool ZeroPageOnRead { get; init; }
    /// <summary>The anon_vma compatibility rule used by merges.</summary>
    public required AnonMergeRule MergeRule { get; init; }
    /// <summary>CONFIG_MEM_SOFT_DIRTY: adds `sd` to every mmap'd VMA.</summary>
    public bool SoftDirty { get; init; }
    /// <summary>CONFIG_TRANSPARENT_HUGEPAGE: MAP_STACK then sets VM_NOHUGEPAGE, and madvise takes MADV_HUGEPAGE, MADV_NOHUGEPAGE and MADV_COLLAPSE.</summary>
    public bool ThpBuiltIn { get; init; }
    /// <summary>CONFIG_SWAP: MADV_WILLNEED on anonymous memory reads swap back in (and drains the local batches); without it, EBADF.</summary>
    public bool Swap { get; init; }
    /// <summary>CONFIG_KSM: madvise takes MADV_MERGEABLE and MADV_UNMERGEABLE.</summary>
    public bool Ksm { get; init; }
    /// <summary>Guard regions (6.13): madvise takes MADV_GUARD_INSTALL and MADV_GUARD_REMOVE.</summary>
    public bool GuardRegions { get; init; }
    /// <summary>munmap and exit drain the local folio batches before unmapping (vms_clear_ptes, exit_mmap); 6.14 dropped both.</summary>
    public bool DrainsBeforeUnmap { get; init; }
    /// <summary>
    /// CONFIG_HUGETLB_PAGE: without it ksys_mmap_pgoff finds no hstate for MAP_HUGETLB|MAP_ANONYMOUS (EINVAL). With it
    /// the mapping is a hugetlb one, which the model does not cover.
    /// </summary>
    public bool HugeTlbPage { get; init; }
    /// <summary>
    /// RLIMIT_MEMLOCK's hard limit the trace processes start with (bytes; RLIM_INFINITY as ulong.MaxValue): setcreds may
    /// not raise it without <see cref="CapSysResource"/>. 8 MiB (MLOCK_LIMIT) for init and a default login.
    /// </summary>
    public ulong MemlockHard { get; init; } = 8UL << 20;
    /// <summary>capable(CAP_SYS_RESOURCE) in the trace processes: root in the guest; a machine's container may withhold it.</summary>
    public bool CapSysResource { get; init; } = true;
    /// <summary>vm.max_map_count.</summary>
    public int MaxMapCount { get; init; } = 65530;
    /// <summary>vm.mmap_min_addr.</summary>
    public ulong MmapMinAddr { get; init; } = 4096;
    /// <summary>vm.overcommit_memory; the model follows Guess and Always (Never is refused when a model is made).</summary>
    public OvercommitMode Overcommit { get; init; } = OvercommitMode.Guess;
    /// <summary>totalram_pages() (MemTotal / 4 kB): the overcommit heuristic's RAM.</summary>
    public ulong TotalRamPages { get; init; }
    /// <summary>total_swap_pages (SwapTotal / 4 kB): the overcommit heuristic's swap.</summary>
    public ulong TotalSwapPages { get; init; }
    /// <summary>Where the top-down search for an address starts when no hint is usable (the model's simplified mmap_base).</summary>
    public ulong MmapBase { get; init; } = 0x7f0000000000;
    /// <summary>
    /// mremap as 6.12's mm/mremap.c has it (model/Kernel/Mremap.cs); false: as reworked in 6.16-6.17, which this
    /// machine's kernel has (MremapReworked.cs: every parameter checked before the VMA, the VMA before any unmap,
    /// MREMAP_FIXED moves of several VMAs at once, MREMAP_DONTUNMAP without 6.12's split and self-merge guard).
    /// </summary>
    public bool Mremap612 { get; init; }
    /// <summary>MAP_REFPAGE: none on every real kernel; the posted patch or its corrected accounting in the model.</summary>
    public RefPageRules RefPage { get; init; } = RefPageRules.None;
    /// <summary>How names are kept: mainline's refcounted string on every real kernel; the others exist only in the model.</summary>
    public NamingDesign Naming { get; init; } = NamingDesign.Refcount;

    /// <summary>This kernel with names kept the <paramref name="design"/> way, named for it ("linux-6.12/strdup").</summary>
    public KernelProfile WithNaming(NamingDesign design) =>
        design == NamingDesign.Refcount ? this : this with { Name = $"{Name}/{design.Key()}", Naming = design };

    /// <summary>Linux 6.12 as built for QEMU from Debian's linux-source-6.12 (tinyconfig + CONFIG_ANON_VMA_NAME: no swap, KSM or THP).</summary>
    public static readonly KernelProfile Linux612 = new()
    {
        Name = "linux-6.12", AnonVmaName = true, ZeroPageOnRead = true, MergeRule = AnonMergeRule.SingularChain,
        SoftDirty = false, ThpBuiltIn = false, DrainsBeforeUnmap = true, Mremap612 = true,
        // The guest of tools/qemu/serve.sh (-m 512, its fixed-length command line, the kernel built for speed) has
        // MemTotal 503976 kB and no swap (tinyconfig has no CONFIG_SWAP): an mmap of 125,994 pages is accounted and one
        // of 125,995 is ENOMEM there, and OvercommitScenarios' boundary mmaps confirm the figure.
        TotalRamPages = 503976 / 4, TotalSwapPages = 0,
    };

    /// <summary>
    /// The 6.18 development host: no CONFIG_ANON_VMA_NAME, the ≥6.16 merge rule, THP, swap and KSM built in, and real pages on read
    /// faults as first seen (a later build maps the zero page: <see cref="SameKernelAs"/>; the probe tells which).
    /// </summary>
    public static readonly KernelProfile Host618 = new()
    {
        Name = "host-6.18", AnonVmaName = false, ZeroPageOnRead = false, MergeRule = AnonMergeRule.ForkChildOnly,
        SoftDirty = false, ThpBuiltIn = true, DrainsBeforeUnmap = false, HugeTlbPage = true, Swap = true, Ksm = true, GuardRegions = true,
        // The development host as first measured (MemTotal 24683792 kB, no swap); the native judge probes its own.
        TotalRamPages = 24683792 / 4, TotalSwapPages = 0,
        // Its processes run without CAP_SYS_RESOURCE (CapEff 000001fffeffffff, 2026-12-05), under an 8 MiB RLIMIT_MEMLOCK.
        CapSysResource = false,
    };

    /// <summary>
    /// Whether two profiles describe the same kernel, setting aside what varies between machines that run it: the name,
    /// the vm sysctls, the RAM and swap, the processes' RLIMIT_MEMLOCK and CAP_SYS_RESOURCE, and the zero page on read faults (the 6.18 hosts here have shown both: 6.18.44-fc-v769 mapped
    /// real pages, 6.18.44-fc-v1098 maps the zero page). Traces recorded for a known profile must not depend on these.
    /// </summary>
    public bool SameKernelAs(KernelProfile machine) =>
        this with { Name = machine.Name, MaxMapCount = machine.MaxMapCount, MmapMinAddr = machine.MmapMinAddr,
            Overcommit = machine.Overcommit, TotalRamPages = machine.TotalRamPages, TotalSwapPages = machine.TotalSwapPages, ZeroPageOnRead = machine.ZeroPageOnRead,
            MemlockHard = machine.MemlockHard, CapSysResource = machine.CapSysResource } == machine;

    /// <summary>The profiles known by name.</summary>
    public static IReadOnlyList<KernelProfile> All { get; } = [Linux612, Host618];

    /// <summary>
    /// Looks a profile up by its name, with MAP_REFPAGE rules after a plus ("linux-6.12+refpage-posted") and a naming
    /// design after a slash ("linux-6.12/strdup"), as <see cref="WithNaming"/> and <see cref="WithRefPage"/> spell them; null when unknown.
    /// </summary>
    public static KernelProfile? ByName(string name)
    {
        int slash = name.IndexOf('/');
        if (slash >= 0)
            return ByName(name[..slash]) is { } kernel && NamingDesigns.ByKey(name[(slash + 1)..]) is { } design && design != NamingDesign.Refcount
                ? kernel.WithNaming(design) : null;
        const string refpage = "+refpage-";
        int plus = name.IndexOf(refpage, StringComparison.Ordinal);
        if (plus >= 0)
            return ByName(name[..plus]) is { } kernel &&
                   Enum.GetValues<RefPageRules>().FirstOrDefault(r => r != RefPageRules.None && r.ToString().ToLowerInvariant() == name[(plus + refpage.Length)..]) is var rules && rules != RefPageRules.None
                ? kernel.WithRefPage(rules) : null;
        return All.FirstOrDefault(p => p.Name == name);
    }

    /// <summary>This kernel with MAP_REFPAGE under <paramref name="rules"/>, named for them ("linux-6.12+refpage-posted").</summary>
    public KernelProfile WithRefPage(RefPageRules rules) =>
        rules == RefPageRules.None ? this : this with { Name = $"{Name}+refpage-{rules.ToString().ToLowerInvariant()}", RefPage = rules };
}
