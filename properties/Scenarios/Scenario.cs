using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;
using AnonVma.Model.Text;
using AnonVma.Properties.Pure;

namespace AnonVma.Properties.Scenarios;

/// <summary>
/// A short call sequence against the model, in the style of tools/testing/vma: each step states its expected result,
/// and every invariant is checked after every call, so each scenario also exercises the checks.
/// </summary>
public sealed class Scenario
{
    /// <summary>The test window base B: the default arena, far from the program's own mappings.</summary>
    public const ulong B = 0x200000000000;
    public const ulong P = 4096;
    public const int RW = Prot.Read | Prot.Write, R = Prot.Read, NONE = Prot.None, RWX = Prot.Read | Prot.Write | Prot.Exec;
    /// <summary>The scenarios' usual mmap flags, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE: exactly the address given, EEXIST over a mapping.</summary>
    public const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace;
    public const int SharedF = Map.Shared | Map.Anonymous | Map.FixedNoReplace;

    public LinuxModel Model { get; }

    /// <summary>Every call made through <see cref="Do"/>, so the corpus can be replayed on real kernels.</summary>
    public List<Call> Calls { get; } = new();

    /// <summary>When set, each scenario created on this async flow adds itself here (see Differential/ScenarioCorpus).</summary>
    internal static readonly AsyncLocal<List<Scenario>?> Recorder = new();

    public Scenario(KernelProfile profile)
    {
        Model = new LinuxModel(profile) { TracksMergeSites = true };
        Recorder.Value?.Add(this);
    }

    public static Scenario On612() => new(KernelProfile.Linux612);
    public static Scenario On618() => new(KernelProfile.Host618);

    /// <summary>
    /// Whether every call is followed by the invariants; off only for the naming designs, some of which break
    /// mainline's implementation invariants by construction (strdup never shares a name object).
    /// </summary>
    public bool Checked { get; init; } = true;

    /// <summary>Runs a call, checks every invariant, returns the outcome for asserting.</summary>
    public Outcome Do(Call c)
    {
        Calls.Add(c);
        var o = Model.Apply(c);
        var v = Checked ? Invariants.First(Model) : null;
        Assert.True(v is null, $"after {c} = {o}: {v}");
        return o;
    }

    public Outcome Mmap(ulong addr, ulong len, int prot, int flags = F, int pid = 0, int handle = -1, ulong off = 0) => Do(new MmapCall(pid, addr, len, prot, flags, handle, off));
    public Outcome Munmap(ulong addr, ulong len, int pid = 0) => Do(new MunmapCall(pid, addr, len));
    public Outcome Mprotect(ulong addr, ulong len, int prot, int pid = 0) => Do(new MprotectCall(pid, addr, len, prot));
    public Outcome Mlock(ulong addr, ulong len, int pid = 0) => Do(new MlockCall(pid, addr, len));
    public Outcome Mlock2(ulong addr, ulong len, int flags, int pid = 0) => Do(new Mlock2Call(pid, addr, len, flags));
    public Outcome Munlock(ulong addr, ulong len, int pid = 0) => Do(new MunlockCall(pid, addr, len));
    public Outcome Mlockall(int flags, int pid = 0) => Do(new MlockallCall(pid, flags));
    public Outcome Munlockall(int pid = 0) => Do(new MunlockallCall(pid));
    public Outcome Madvise(ulong addr, ulong len, int advice, int pid = 0) => Do(new MadviseCall(pid, addr, len, advice));
    public Outcome Mremap(ulong addr, ulong oldLen, ulong newLen, int flags, ulong newAddr = 0, int pid = 0) => Do(new MremapCall(pid, addr, oldLen, newLen, flags, newAddr));
    public Outcome Name(ulong addr, ulong len, string? name, int pid = 0) => Do(new NameCall(pid, addr, len, name));
    public Outcome Write(ulong addr, int pid = 0) => Do(new TouchCall(pid, addr, true));
    public Outcome Store(ulong addr, char value, int pid = 0) => Do(new StoreCall(pid, addr, (byte)value));
    /// <summary>prctl with the name read from the process's own memory at <paramref name="from"/>.</summary>
    public Outcome NameFrom(ulong addr, ulong len, ulong from, int pid = 0) => Do(new NameCall(pid, addr, len, null, From: from));
    public Outcome Read(ulong addr, int pid = 0) => Do(new TouchCall(pid, addr, false));
    public Outcome Fork(int pid = 0) => Do(new ForkCall(pid));
    public Outcome Exit(int pid) => Do(new ExitCall(pid));
    public Outcome Memfd(ulong size, int pid = 0) => Do(new MemfdCall(pid, size));
    public Outcome File(ulong size, int pid = 0) => Do(new FileCall(pid, size));
    public Outcome SetCreds(ulong memlock, bool capIpcLock, int pid = 0) => Do(new SetCredsCall(pid, memlock, capIpcLock));

    public string Maps(int pid = 0) => Text(ProcView.MapsLines(Model.Processes[pid]));
    public string Smaps(int pid = 0) => SmapsText(Model.Processes[pid]);

    /// <summary>A process's smaps as /proc prints it, each line ending in a newline.</summary>
    public static string SmapsText(Process p) => Text(ProcView.SmapsLines(p));

    static string Text(IEnumerable<string> lines) => string.Concat(lines.Select(l => l + "\n"));
    public Process Proc(int pid = 0) => Model.Processes[pid];

    /// <summary>The parsed smaps block of the VMA containing addr.</summary>
    public SmapsBlock Block(ulong addr, int pid = 0)
    {
        var p = Model.Processes[pid];
        var v = p.Vmas.Containing(addr) ?? throw new Xunit.Sdk.XunitException($"no VMA at {addr:x}");
        return ProcText.ParseSmaps(string.Join("\n", ProcView.Block(p, v).RenderLines()) + "\n")[0];
    }

    public string VmFlagsAt(ulong addr, int pid = 0) => VmFlagLetters.Render(Block(addr, pid).Flags);

    /// <summary>
    /// An expected maps line for private anonymous memory, written from fs/proc/task_mmu.c:show_vma_header_prefix and show_map_vma:
    /// 12-digit addresses, offset 00000000, 00:00 0, a trailing space; a name padded to the 72-column width plus a space, so 26
    /// spaces after the 0, at 0-based column 73.
    /// </summary>
    public static string L(ulong fromPages, ulong toPages, string perms, string? name = null) =>
        $"{B + fromPages * P:x12}-{B + toPages * P:x12} {perms} 00000000 00:00 0 " + (name is null ? "" : new string(' ', 25) + name) + "\n";

    public static string Lines(params string[] lines) => string.Concat(lines);
}

/// <summary>Assertion helpers, so each step states its expected result (return value, errno or address) on its own line.</summary>
public static class Expect
{
    public static void Is(this Outcome o, string expected) => Assert.Equal(expected, o.ToString());
    public static void Is(this Outcome o, ulong address) => Assert.Equal($"0x{address:x}", o.ToString());
}
