namespace AnonVma.Model.Abi;

/// <summary>Linux x86-64 ABI numbers, so calls read like the C they mirror.</summary>
public static class Prot
{
    public const int None = 0, Read = 1, Write = 2, Exec = 4, Sem = 8;
    public const int GrowsDown = 0x01000000, GrowsUp = 0x02000000;
    public const int ReadWrite = Read | Write;
}

/// <summary>mmap flag bits, as include/uapi/asm-generic/mman*.h defines them for x86-64.</summary>
public static class Map
{
    public const int Shared = 0x01, Private = 0x02, SharedValidate = 0x03, Droppable = 0x08, TypeMask = 0x0f;
    public const int Fixed = 0x10, Anonymous = 0x20;
    public const int GrowsDown = 0x0100, DenyWrite = 0x0800, Executable = 0x1000, Locked = 0x2000, NoReserve = 0x4000;
    public const int Populate = 0x8000, NonBlock = 0x10000, Stack = 0x20000, HugeTlb = 0x40000, Sync = 0x80000;
    public const int FixedNoReplace = 0x100000;
    /// <summary>MAP_REFPAGE, proposed (seed 003) and never merged: the offset is the address of a reference page.</summary>
    public const int RefPage = 0x200000;
}

/// <summary>madvise advice values (include/uapi/asm-generic/mman-common.h); Kernel/Madvise.cs says which the model follows.</summary>
public static class Madv
{
    public const int Normal = 0, Random = 1, Sequential = 2, WillNeed = 3, DontNeed = 4, Free = 8, Remove = 9, DontFork = 10, DoFork = 11,
        Mergeable = 12, Unmergeable = 13, HugePage = 14, NoHugePage = 15, DontDump = 16, DoDump = 17, WipeOnFork = 18, KeepOnFork = 19,
        Cold = 20, PageOut = 21, PopulateRead = 22, PopulateWrite = 23, DontNeedLocked = 24, Collapse = 25,
        HwPoison = 100, SoftOffline = 101, GuardInstall = 102, GuardRemove = 103;
}

/// <summary>mlock2 and mlockall flags.</summary>
public static class Mlock
{
    public const int OnFault = 1;
    public const int McCurrent = 1, McFuture = 2, McOnFault = 4;
}

/// <summary>mremap flags (include/uapi/linux/mman.h).</summary>
public static class Remap
{
    public const int MayMove = 1, Fixed = 2, DontUnmap = 4;
}

/// <summary>prctl option numbers for anonymous VMA naming.</summary>
public static class Prctl
{
    public const int SetVma = 0x53564d41, SetVmaAnonName = 0;
    public const int AnonNameMax = 80;
}

/// <summary>Address-space facts shared by every x86-64 profile.</summary>
public static class Mem
{
    public const ulong PageSize = 4096;
    public const int PageShift = 12;
    /// <summary>TASK_SIZE_MAX with 4-level paging: (1 &lt;&lt; 47) - PAGE_SIZE.</summary>
    public const ulong TaskSize = 0x7ffffffff000;
    /// <summary>HPAGE_PMD_SIZE on x86-64: a transparent huge page.</summary>
    public const ulong HugePageSize = 2UL << 20;
    public static ulong PageAlign(ulong x) => (x + PageSize - 1) & ~(PageSize - 1);
    public static bool Aligned(ulong x) => (x & (PageSize - 1)) == 0;
}
