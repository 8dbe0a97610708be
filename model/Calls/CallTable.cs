using AnonVma.Model.Abi;

namespace AnonVma.Model.Calls;

/// <summary>How an argument is spelt and read in every text form, and what the shrinker and the executor make of it.</summary>
public enum ArgKind
{
    /// <summary>A start address: hex; the shrinker aligns it.</summary>
    Address,
    /// <summary>A length that goes with the address before it: hex; the shrinker cuts it to whole pages, then to one.</summary>
    Length,
    /// <summary>Any other 64-bit number (a file size, an offset, a limit): hex.</summary>
    Size,
    /// <summary>A <see cref="FlagFamily"/> value: symbolic in traces and C, hex on the wire.</summary>
    Flags,
    /// <summary>An fd as a trace handle: -1 or hN (HANDLE(n) in C).</summary>
    Handle,
    /// <summary>0 or 1.</summary>
    Bit,
    /// <summary>A name string, NULL, the bad pointer (char *)1, or a pointer into the arena (char *)0x….</summary>
    Name,
    /// <summary>A fixed symbol the C call takes (prctl's PR_SET_VMA); not sent to the executor.</summary>
    Constant,
}

/// <summary>One argument of a call: the label messages use, its kind, and what the shrinker may do with it.</summary>
public sealed record Arg(string Label, ArgKind Kind, FlagFamily? Family = null, string? Constant = null, ulong ConstantValue = 0)
{
    /// <summary>Flags the shrinker tries dropping, one at a time.</summary>
    public ulong Droppable { get; init; }
    /// <summary>The value the shrinker tries instead of any other (a flags or size argument).</summary>
    public ulong? Simplest { get; init; }
    /// <summary>How many bits a number argument may have (8 for store's byte): a trace that gives more is refused, never cut.</summary>
    public int Bits { get; init; } = 64;
}

/// <summary>One argument's value: a number (a handle as a signed one, -1 for none) or a name (its Number the arena pointer, 0 for none).</summary>
public readonly record struct ArgValue(ulong Number, string? Text = null, bool BadPointer = false)
{
    public static ArgValue Of(long n) => new((ulong)n);
    public static ArgValue OfName(string? name, bool bad, ulong from = 0) => new(from, name, bad);
    public int Int => (int)Number;
    /// <summary>A handle's number: -1 for none.</summary>
    public long Handle => (long)Number;
}

/// <summary>
/// The executor's arena rule for a call, by the kernel's own checks: which part of the arena the call may touch, and
/// when it is refused before it touches anything (tools/executor/README.md, "Range rule").
/// </summary>
public enum RangeRule
{
    /// <summary>No address.</summary>
    None,
    /// <summary>mmap: a MAP_FIXED* range lies in the arena (or the rounded length is 0, or the end passes TASK_SIZE); a hint is 0 or in the arena.</summary>
    Mmap,
    /// <summary>munmap: the range lies in the arena, unless refused for its length or for passing TASK_SIZE.</summary>
    Munmap,
    /// <summary>mremap: the old range, MREMAP_FIXED's destination and a growth in place lie in the arena; a placed move that leaves it is ESCAPED.</summary>
    Mremap,
    /// <summary>mprotect, madvise, prctl: [addr, addr + PAGE_ALIGN(len)) lies in the arena, unless the rounded length is 0 or wraps.</summary>
    Plain,
    /// <summary>mlock family: the range after the kernel moves addr down to its page and adds the offset to len.</summary>
    Mlock,
    /// <summary>A one-byte access in the arena.</summary>
    Byte,
}

/// <summary>What a call does to the trace's numbering of processes and handles.</summary>
public enum CallEffect { None, Fork, Exit, NewHandle }

/// <summary>
/// One call as every form spells it: the trace syntax (its name and arguments), the executor's batch (the same name,
/// numbers in hex), the C reproducer's function, the executor's arena rule and what the shrinker may simplify.
/// </summary>
public sealed record CallSpec(string Name, string C, Arg[] Args, RangeRule Range, CallEffect Effect,
    Func<Call, bool> Matches, Func<Call, ArgValue[]> Read, Func<int, ArgValue[], Call> Build)
{
    /// <summary>The opcode the executor's header gives the call: OP_ and the name in capitals.</summary>
    public string Op => "OP_" + Name.ToUpperInvariant();
    /// <summary>A simpler call the shrinker tries instead, built from this call's leading arguments (mlock2 → mlock, write → read).</summary>
    public string? Simpler { get; init; }
    /// <summary>The generator's share of calls: this call is drawn `Weight` times in the table's total (0: never generated).</summary>
    public int Weight { get; init; }
    /// <summary>Simplifications that change more than one argument at once (mmap: a file mapping made anonymous).</summary>
    public Func<Call, IEnumerable<Call>>? Rewrites { get; init; }
    /// <summary>The index of the address among the executor's numeric arguments (handles, names and constants are not numeric); 0 without one.</summary>
    public int AddressSlot => Args.All(a => a.Kind != ArgKind.Address) ? 0 : Args.Where(a => a.Kind is not (ArgKind.Handle or ArgKind.Name or ArgKind.Constant))
        .TakeWhile(a => a.Kind != ArgKind.Address).Count();
}

/// <summary>
/// Every call AnonVma makes, said once. The trace syntax, the wire format, the C reproducers, the shrinker, the
/// executor's C header (tools/executor/calls.h, generated from this table) and the generator read it. The model keeps
/// its own rules: the table describes calls, it does not simulate them.
/// </summary>
public static class CallTable
{
    const string A = "the address", L = "the length";
    static readonly Arg Addr = new(A, ArgKind.Address), Len = new(L, ArgKind.Length);

    static ArgValue N(ulong v) => new(v);
    static ArgValue N(int v) => new((uint)v);

    public static readonly IReadOnlyList<CallSpec> All =
    [
        new("mmap", "sys_mmap",
            [Addr, Len, new("prot", ArgKind.Flags, FlagFamily.Prot) { Simplest = Prot.ReadWrite },
             new("flags", ArgKind.Flags, FlagFamily.MapFlags) { Droppable = Map.Locked | Map.Populate | Map.NoReserve },
             new("the fd", ArgKind.Handle), new("the offset", ArgKind.Size)],
            RangeRule.Mmap, CallEffect.None, c => c is MmapCall,
            c => c is MmapCall m ? [N(m.Addr), N(m.Len), N(m.Prot), N(m.Flags), ArgValue.Of(m.Handle), N(m.Offset)] : [],
            (p, a) => new MmapCall(p, a[0].Number, a[1].Number, a[2].Int, a[3].Int, (int)(long)a[4].Number, a[5].Number))
        {
            Rewrites = c => MmapRewrites((MmapCall)c), Weight = 18,
        },
        new("munmap", "sys_munmap", [Addr, Len], RangeRule.Munmap, CallEffect.None, c => c is MunmapCall,
            c => c is MunmapCall m ? [N(m.Addr), N(m.Len)] : [], (p, a) => new MunmapCall(p, a[0].Number, a[1].Number)) { Weight = 8 },
        new("mremap", "sys_mremap",
            [Addr, new("the old length", ArgKind.Length), new("the new length", ArgKind.Size) { Simplest = Mem.PageSize },
             new("flags", ArgKind.Flags, FlagFamily.Mremap) { Droppable = Remap.DontUnmap }, new("the new address", ArgKind.Address)],
            RangeRule.Mremap, CallEffect.None, c => c is MremapCall,
            c => c is MremapCall m ? [N(m.Addr), N(m.OldLen), N(m.NewLen), N(m.Flags), N(m.NewAddr)] : [],
            (p, a) => new MremapCall(p, a[0].Number, a[1].Number, a[2].Number, a[3].Int, a[4].Number)),
        new("mprotect", "sys_mprotect", [Addr, Len, new("prot", ArgKind.Flags, FlagFamily.Prot) { Simplest = Prot.Read }],
            RangeRule.Plain, CallEffect.None, c => c is MprotectCall,
            c => c is MprotectCall m ? [N(m.Addr), N(m.Len), N(m.Prot)] : [], (p, a) => new MprotectCall(p, a[0].Number, a[1].Number, a[2].Int)) { Weight = 10 },
        new("mlock", "sys_mlock", [Addr, Len], RangeRule.Mlock, CallEffect.None, c => c is MlockCall,
            c => c is MlockCall m ? [N(m.Addr), N(m.Len)] : [], (p, a) => new MlockCall(p, a[0].Number, a[1].Number)) { Weight = 4 },
        new("mlock2", "sys_mlock2", [Addr, Len, new("flags", ArgKind.Flags, FlagFamily.Mlock2)], RangeRule.Mlock, CallEffect.None,
            c => c is Mlock2Call, c => c is Mlock2Call m ? [N(m.Addr), N(m.Len), N(m.Flags)] : [],
            (p, a) => new Mlock2Call(p, a[0].Number, a[1].Number, a[2].Int)) { Simpler = "mlock", Weight = 2 },
        new("munlock", "sys_munlock", [Addr, Len], RangeRule.Mlock, CallEffect.None, c => c is MunlockCall,
            c => c is MunlockCall m ? [N(m.Addr), N(m.Len)] : [], (p, a) => new MunlockCall(p, a[0].Number, a[1].Number)) { Weight = 4 },
        new("mlockall", "sys_mlockall", [new("flags", ArgKind.Flags, FlagFamily.Mlockall)], RangeRule.None, CallEffect.None,
            c => c is MlockallCall, c => c is MlockallCall m ? [N(m.Flags)] : [], (p, a) => new MlockallCall(p, a[0].Int)),
        new("munlockall", "sys_munlockall", [], RangeRule.None, CallEffect.None, c => c is MunlockallCall, _ => [], (p, _) => new MunlockallCall(p)),
        new("madvise", "sys_madvise", [Addr, Len, new("the advice", ArgKind.Flags, FlagFamily.Advice)], RangeRule.Plain, CallEffect.None,
            c => c is MadviseCall, c => c is MadviseCall m ? [N(m.Addr), N(m.Len), N(m.Advice)] : [],
            (p, a) => new MadviseCall(p, a[0].Number, a[1].Number, a[2].Int)) { Weight = 6 },
        new("prctl", "sys_prctl5",
            [new("the option", ArgKind.Constant, Constant: "PR_SET_VMA", ConstantValue: Prctl.SetVma), new("arg2", ArgKind.Flags, FlagFamily.PrctlOption), Addr, Len,
             new("the name", ArgKind.Name)],
            RangeRule.Plain, CallEffect.None, c => c is NameCall,
            c => c is NameCall n ? [default, N(n.Option), N(n.Addr), N(n.Len), ArgValue.OfName(n.Name, n.BadPointer, n.From)] : [],
            (p, a) => new NameCall(p, a[2].Number, a[3].Number, a[4].Text, a[4].BadPointer, a[1].Number, a[4].Number)) { Weight = 18 },
        new("read", "read_byte", [Addr], RangeRule.Byte, CallEffect.None, c => c is TouchCall { Write: false },
            c => c is TouchCall t ? [N(t.Addr)] : [], (p, a) => new TouchCall(p, a[0].Number, false)) { Weight = 10 },
        new("write", "write_byte", [Addr], RangeRule.Byte, CallEffect.None, c => c is TouchCall { Write: true },
            c => c is TouchCall t ? [N(t.Addr)] : [], (p, a) => new TouchCall(p, a[0].Number, true)) { Simpler = "read", Weight = 9 },
        new("store", "store_byte", [Addr, new("the byte", ArgKind.Size) { Simplest = 1, Bits = 8 }], RangeRule.Byte, CallEffect.None, c => c is StoreCall,
            c => c is StoreCall t ? [N(t.Addr), N((ulong)t.Value)] : [], (p, a) => new StoreCall(p, a[0].Number, (byte)a[1].Number)) { Simpler = "write" },
        new("fork", "fork_process", [], RangeRule.None, CallEffect.Fork, c => c is ForkCall, _ => [], (p, _) => new ForkCall(p)) { Weight = 6 },
        new("exit", "exit_process", [], RangeRule.None, CallEffect.Exit, c => c is ExitCall, _ => [], (p, _) => new ExitCall(p)) { Weight = 2 },
        new("memfd_create", "new_memfd", [new("the size", ArgKind.Size) { Simplest = Mem.PageSize }], RangeRule.None, CallEffect.NewHandle,
            c => c is MemfdCall, c => c is MemfdCall m ? [N(m.Size)] : [], (p, a) => new MemfdCall(p, a[0].Number)) { Weight = 3 },
        new("file", "new_file", [new("the size", ArgKind.Size)], RangeRule.None, CallEffect.NewHandle,
            c => c is FileCall, c => c is FileCall m ? [N(m.Size)] : [], (p, a) => new FileCall(p, a[0].Number)),
        new("setcreds", "set_creds", [new("the memlock limit", ArgKind.Size), new("CAP_IPC_LOCK", ArgKind.Bit)], RangeRule.None, CallEffect.None,
            c => c is SetCredsCall, c => c is SetCredsCall s ? [N(s.MemlockLimit), N(s.CapIpcLock ? 1UL : 0UL)] : [],
            (p, a) => new SetCredsCall(p, a[0].Number, a[1].Number == 1)),
    ];

    static readonly Dictionary<string, CallSpec> ByName = All.ToDictionary(s => s.Name);

    /// <summary>The calls the generator draws, each with its weight; <see cref="GeneratedWeight"/> in all.</summary>
    public static readonly IReadOnlyList<CallSpec> Generated = All.Where(s => s.Weight > 0).ToList();
    public static readonly int GeneratedWeight = Generated.Sum(s => s.Weight);

    /// <summary>The call of that name, or null.</summary>
    public static CallSpec? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The entry that spells this call.</summary>
    public static CallSpec Of(Call call) =>
        All.FirstOrDefault(s => s.Matches(call)) ?? throw new ArgumentException($"the call table has no entry for {call}");

    /// <summary>mmap simplifications that change two arguments together: the usual fixed flag, and no file.</summary>
    static IEnumerable<Call> MmapRewrites(MmapCall m)
    {
        if ((m.Flags & Map.FixedNoReplace) != 0) yield return m with { Flags = (m.Flags & ~Map.FixedNoReplace) | Map.Fixed };
        if ((m.Flags & Map.Shared) != 0 && m.Handle < 0) yield return m with { Flags = (m.Flags & ~Map.Shared) | Map.Private };
        if (m.Handle >= 0) yield return m with { Handle = -1, Flags = (m.Flags & ~Map.Shared) | Map.Private | Map.Anonymous };
    }
}
