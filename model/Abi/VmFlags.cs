namespace AnonVma.Model.Abi;

/// <summary>vm_flags bits (include/linux/mm.h); the model keeps hidden ones because they gate merging.</summary>
[Flags]
public enum VmFlags : ulong
{
    None = 0,
    Read = 1UL << 0, Write = 1UL << 1, Exec = 1UL << 2, Shared = 1UL << 3,
    MayRead = 1UL << 4, MayWrite = 1UL << 5, MayExec = 1UL << 6, MayShare = 1UL << 7,
    GrowsDown = 1UL << 8, UffdMissing = 1UL << 9, PfnMap = 1UL << 10, UffdWp = 1UL << 12,
    Locked = 1UL << 13, Io = 1UL << 14, SeqRead = 1UL << 15, RandRead = 1UL << 16,
    DontCopy = 1UL << 17, DontExpand = 1UL << 18, LockOnFault = 1UL << 19, Account = 1UL << 20,
    NoReserve = 1UL << 21, HugeTlb = 1UL << 22, Sync = 1UL << 23, Arch1 = 1UL << 24,
    WipeOnFork = 1UL << 25, DontDump = 1UL << 26, SoftDirty = 1UL << 27, MixedMap = 1UL << 28,
    HugePage = 1UL << 29, NoHugePage = 1UL << 30, Mergeable = 1UL << 31,
    Droppable = 1UL << 40, Sealed = 1UL << 63,

    AccessMask = Read | Write | Exec,
    LockedMask = Locked | LockOnFault,
    /// <summary>VM_SPECIAL: never merged.</summary>
    Special = Io | DontExpand | PfnMap | MixedMap,
}

/// <summary>The two-letter codes smaps prints (fs/proc/task_mmu.c:show_smap_vma_flags), in bit order.</summary>
public static class VmFlagLetters
{
    static readonly string?[] Letters = Build();

    static string?[] Build()
    {
        var l = new string?[64];
        string[] low = ["rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "gd", "um", "pf", "", "uw", "lo", "io", "sr", "rr", "dc",
                        "de", "lf", "ac", "nr", "ht", "sf", "ar", "wf", "dd", "sd", "mm", "hg", "nh", "mg"];
        for (int i = 0; i < low.Length; i++) l[i] = low[i].Length == 0 ? null : low[i];
        l[37] = "ss"; l[38] = "ui"; l[40] = "dp"; l[63] = "sl";
        return l;
    }

    /// <summary>The VmFlags line body: each code followed by a space, as the kernel prints it.</summary>
    public static string Render(VmFlags flags)
    {
        var sb = new System.Text.StringBuilder(64);
        for (int bit = 0; bit < 64; bit++)
            if (((ulong)flags & (1UL << bit)) != 0 && Letters[bit] is { } code) sb.Append(code).Append(' ');
        return sb.ToString();
    }
}
