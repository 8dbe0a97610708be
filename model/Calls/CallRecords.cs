namespace AnonVma.Model;

/// <summary>One system call (or memory access) by one process of a trace; the model and the real kernels take the same data.</summary>
public abstract record Call(int Pid);

/// <summary>mmap(addr, len, prot, flags, fd, off); Handle -1 means no file.</summary>
public sealed record MmapCall(int Pid, ulong Addr, ulong Len, int Prot, int Flags, int Handle = -1, ulong Offset = 0) : Call(Pid);
public sealed record MunmapCall(int Pid, ulong Addr, ulong Len) : Call(Pid);
public sealed record MprotectCall(int Pid, ulong Addr, ulong Len, int Prot) : Call(Pid);
public sealed record MlockCall(int Pid, ulong Addr, ulong Len) : Call(Pid);
public sealed record Mlock2Call(int Pid, ulong Addr, ulong Len, int Flags) : Call(Pid);
public sealed record MunlockCall(int Pid, ulong Addr, ulong Len) : Call(Pid);
public sealed record MlockallCall(int Pid, int Flags) : Call(Pid);
public sealed record MunlockallCall(int Pid) : Call(Pid);
public sealed record MadviseCall(int Pid, ulong Addr, ulong Len, int Advice) : Call(Pid);

/// <summary>mremap(addr, old_len, new_len, flags, new_addr): new_addr counts only with MREMAP_FIXED or MREMAP_DONTUNMAP.</summary>
public sealed record MremapCall(int Pid, ulong Addr, ulong OldLen, ulong NewLen, int Flags, ulong NewAddr) : Call(Pid);

/// <summary>
/// prctl(PR_SET_VMA, Option, addr, len, name): Name null is NULL; BadPointer passes an unreadable pointer; From, when
/// not 0, passes that arena address, so the name is whatever the process's memory holds there.
/// </summary>
public sealed record NameCall(int Pid, ulong Addr, ulong Len, string? Name, bool BadPointer = false, ulong Option = 0, ulong From = 0) : Call(Pid);

/// <summary>One byte read or written by the program (a write stores 1).</summary>
public sealed record TouchCall(int Pid, ulong Addr, bool Write) : Call(Pid);

/// <summary>One byte of a chosen value written by the program: how a trace puts a name in its own memory.</summary>
public sealed record StoreCall(int Pid, ulong Addr, byte Value) : Call(Pid);
public sealed record ForkCall(int Pid) : Call(Pid);
public sealed record ExitCall(int Pid) : Call(Pid);

/// <summary>memfd_create plus ftruncate(size); returns a handle.</summary>
public sealed record MemfdCall(int Pid, ulong Size) : Call(Pid);

/// <summary>A linked regular file of the given size; returns a handle.</summary>
public sealed record FileCall(int Pid, ulong Size) : Call(Pid);

/// <summary>setrlimit(RLIMIT_MEMLOCK) and, when CapIpcLock is false, dropping CAP_IPC_LOCK.</summary>
public sealed record SetCredsCall(int Pid, ulong MemlockLimit, bool CapIpcLock) : Call(Pid);
