namespace AnonVma.Model.State;

/// <summary>The mm's RSS counters (include/linux/mm_types_task.h): MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES.</summary>
public enum RssCounter { FilePages, AnonPages, SwapEnts, ShmemPages }

/// <summary>One modelled process: its mm (VMAs, page table, locked_vm, def_flags), its file handles and its credentials.</summary>
public sealed class Process
{
    public Process(int index) => Index = index;

    /// <summary>The trace's process index: p0 is the first process, forks take the next free index.</summary>
    public int Index { get; }
    public ProcessState State { get; private set; } = ProcessState.Running;
    public VmaList Vmas { get; } = new();
    /// <summary>Page table by virtual page number.</summary>
    public Dictionary<ulong, Pte> Ptes { get; } = new();
    /// <summary>mm->locked_vm in pages.</summary>
    public ulong LockedVm;
    /// <summary>
    /// Pages of locked_vm that no VM_LOCKED VMA holds: the reworked mremap (6.16 on) clears VM_LOCKED from the whole
    /// source of an MREMAP_DONTUNMAP move without uncounting it, and counts the locked copy besides (dontunmap_complete
    /// after vrm_stat_account), so locked_vm drifts up until the process exits.
    /// </summary>
    public ulong LockedVmAdrift;

    /// <summary>The pages of this process's VM_LOCKED VMAs.</summary>
    public ulong LockedVmaPages()
    {
        ulong sum = 0;
        foreach (var v in Vmas.All()) if ((v.Flags & Abi.VmFlags.Locked) != 0) sum += v.Pages;
        return sum;
    }
    /// <summary>mm->def_flags: VM_LOCKED (and VM_LOCKONFAULT) after mlockall(MCL_FUTURE).</summary>
    public Abi.VmFlags DefFlags;
    /// <summary>Trace-level file handles (h0, h1, …) this process holds.</summary>
    public Dictionary<int, MappedFile> Handles { get; } = new();
    /// <summary>capable(CAP_IPC_LOCK); the executor runs as root, so true until the trace drops it.</summary>
    public bool CapIpcLock = true;
    /// <summary>RLIMIT_MEMLOCK in bytes (8 MiB by default).</summary>
    public ulong MemlockLimit = 8UL << 20;
    /// <summary>RLIMIT_MEMLOCK's hard limit in bytes (the profile's at the start).</summary>
    public ulong MemlockHard = 8UL << 20;

    /// <summary>mm->rss_stat, indexed by <see cref="RssCounter"/>: kept by the calls as the kernel keeps it, never recounted.</summary>
    public readonly long[] Rss = new long[4];

    public bool Running => State == ProcessState.Running;

    /// <summary>
    /// The present PTEs of pages [first, last): visited page by page, or through the page table when the range is
    /// larger than it (a huge mapping with a few pages), so the cost is bounded by the smaller of the two.
    /// </summary>
    public IEnumerable<(ulong Vpn, Pte Pte)> Present(ulong first, ulong last)
    {
        if (last - first <= (ulong)Ptes.Count)
        {
            for (ulong vpn = first; vpn < last; vpn++)
                if (Ptes.TryGetValue(vpn, out var pte)) yield return (vpn, pte);
        }
        else
        {
            foreach (var (vpn, pte) in Ptes)
                if (vpn >= first && vpn < last) yield return (vpn, pte);
        }
    }

    /// <summary>The same in address order, as the kernel's page-table walks visit them, and copied, so the caller may change the table as it goes.</summary>
    public List<(ulong Vpn, Pte Pte)> PresentInOrder(ulong first, ulong last) => Present(first, last).OrderBy(x => x.Vpn).ToList();

    /// <summary>Moves the lifecycle; returns false when the lifecycle forbids the event (e.g. a call after exit).</summary>
    public bool TryFire(ProcessTrigger t)
    {
        if (ProcessLifecycle.Next(State, t) is not { } next) return false;
        State = next;
        return true;
    }
}
