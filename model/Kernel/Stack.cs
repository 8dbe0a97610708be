using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// Stack growth on a user fault: arch/x86/mm/fault.c:do_user_addr_fault -> mm/memory.c:lock_mm_and_find_vma ->
// mm/mmap.c:expand_stack_locked, expand_downwards, acct_stack_growth. The fault itself is Touch (Fault.cs).
public sealed partial class LinuxModel
{
    /// <summary>stack_guard_gap: 256 pages unless the stack_guard_gap= boot option says otherwise.</summary>
    const ulong StackGuardGap = 256 * Mem.PageSize;

    /// <summary>RLIMIT_STACK as the executor runs: the kernel's _STK_LIM (8 MiB), under QEMU and on the host.</summary>
    const ulong StackRlimit = 8UL << 20;

    /// <summary>
    /// lock_mm_and_find_vma: an address in no VMA, below a VM_GROWSDOWN one, first grows that VMA down to it; a failed
    /// growth is SIGSEGV. The access check and the fault then run on the grown VMA as on any other.
    /// </summary>
    Outcome TouchGrowingStack(Process p, ulong addr, bool write)
    {
        if (p.Vmas.Containing(addr) is null && p.Vmas.FirstEndingAfter(addr) is { } v && (v.Flags & VmFlags.GrowsDown) != 0 &&
            ExpandDownwards(p, v, addr) != 0)
            return Outcome.Segv;
        return Touch(p, addr, write);
    }

    /// <summary>expand_downwards with acct_stack_growth. RLIMIT_AS and overcommit never fail in the model.</summary>
    Errno ExpandDownwards(Process p, Vma v, ulong address)
    {
        address &= ~(Mem.PageSize - 1);
        if (address < Profile.MmapMinAddr) return Errno.EPERM;
        // The guard gap is kept only from an accessible VMA below that does not grow down itself.
        if (p.Vmas.Prev(v) is { } prev && (prev.Flags & VmFlags.GrowsDown) == 0 && (prev.Flags & VmFlags.AccessMask) != 0 &&
            address - prev.End < StackGuardGap)
            return Errno.ENOMEM;
        v = AnonPrepare(p, v); // before the size checks, so a refused growth still leaves the VMA its anon_vma
        if (address >= v.Start) return 0;
        ulong size = v.End - address, grow = (v.Start - address) >> Mem.PageShift;
        if (grow > v.PgOff) return Errno.ENOMEM;
        if (size > StackRlimit) return Errno.ENOMEM;
        if (!MlockFutureOk(p, v.Flags, grow << Mem.PageShift)) return Errno.ENOMEM;
        if ((v.Flags & VmFlags.Locked) != 0) p.LockedVm += grow;
        v.Start = address;
        v.PgOff -= grow;
        return 0;
    }
}
