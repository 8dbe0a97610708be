using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;

namespace AnonVma.Traces.Generate;

/// <summary>
/// Seeded random traces that every judge can run: each call stays inside a small arena (so calls collide), goes to a
/// live process, and respects the executor's limits (8 processes, 16 handles). A model runs alongside only to know
/// which processes are alive; the outcomes are left to the judges.
/// </summary>
public static class SimpleTraces
{
    /// <summary>12 pages: small enough that mappings overlap, split and merge often.</summary>
    public const ulong ArenaPages = 12;
    const ulong P = Mem.PageSize, Base = Trace.DefaultArenaBase;
    const int MaxProcesses = 6, MaxFiles = 8;

    static readonly string[] NamePool = ["a", "b", "heap", ""];
    static readonly int[] Prots = [Prot.Read | Prot.Write, Prot.Read | Prot.Write, Prot.Read, Prot.None, Prot.Read | Prot.Exec, Prot.Write];
    static readonly int[] Advices = [Madv.DontFork, Madv.DoFork, Madv.WipeOnFork, Madv.KeepOnFork, Madv.DontDump, Madv.DoDump];

    /// <summary>The trace for a seed: the same seed and length always give the same calls.</summary>
    public static Trace Generate(int seed, int length)
    {
        var rng = new Random(seed);
        var model = new LinuxModel(KernelProfile.Linux612);
        var calls = new List<Call>(length);
        while (calls.Count < length)
        {
            var live = model.Processes.Where(p => p.Running).Select(p => p.Index).ToArray();
            int pid = live[rng.Next(live.Length)];
            var call = Next(rng, pid, model);
            if (call is null) continue;
            calls.Add(call);
            model.Apply(call);
        }
        return new Trace($"gen-{seed}", Base, ArenaPages * P, calls);
    }

    static Call? Next(Random rng, int pid, LinuxModel model)
    {
        int roll = rng.Next(100);
        var (addr, len) = Range(rng);
        return roll switch
        {
            < 20 => Mmap(rng, pid, addr, len, model),
            < 27 => new MunmapCall(pid, addr, len),
            < 38 => new MprotectCall(pid, addr, len, Prots[rng.Next(Prots.Length)]),
            < 42 => new MlockCall(pid, addr, len),
            < 45 => new Mlock2Call(pid, addr, len, Mlock.OnFault),
            < 49 => new MunlockCall(pid, addr, len),
            < 56 => new MadviseCall(pid, addr, len, Advices[rng.Next(Advices.Length)]),
            < 74 => Name(rng, pid, addr, len),
            < 89 => new TouchCall(pid, Base + (ulong)rng.Next((int)ArenaPages) * P + (ulong)rng.Next(8) * 512, rng.Next(2) == 0),
            < 94 => model.Processes.Count < MaxProcesses ? new ForkCall(pid) : null,
            < 96 => pid != 0 ? new ExitCall(pid) : null,
            < 97 => model.Files.Count < MaxFiles ? new MemfdCall(pid, (ulong)rng.Next(1, 5) * P) : null,
            _ => new NameCall(pid, addr, len, "x", Option: (ulong)rng.Next(1, 3)),
        };
    }

    /// <summary>A page range inside the arena; now and then a misaligned start, a ragged or zero length.</summary>
    static (ulong addr, ulong len) Range(Random rng)
    {
        int odd = rng.Next(40);
        // A misaligned start keeps its page-aligned end inside the arena, as the executor demands.
        ulong room = odd == 2 ? ArenaPages - 1 : ArenaPages;
        ulong first = (ulong)rng.Next((int)room);
        ulong pages = (ulong)rng.Next(1, (int)Math.Min(5, room - first + 1));
        ulong addr = Base + first * P, len = pages * P;
        if (odd == 0) len = 0;
        else if (odd == 1) len -= (ulong)rng.Next(1, 4096);
        else if (odd == 2) { addr += 0x10; len -= 0x10; }
        return (addr, len);
    }

    static Call Mmap(Random rng, int pid, ulong addr, ulong len, LinuxModel model)
    {
        int prot = Prots[rng.Next(Prots.Length)];
        int kind = rng.Next(20);
        int flags = kind switch
        {
            < 9 => Map.Private | Map.Anonymous | Map.FixedNoReplace,
            < 16 => Map.Private | Map.Anonymous | Map.Fixed,
            _ => Map.Shared | Map.Anonymous | Map.Fixed,
        };
        int extra = rng.Next(20);
        if (extra == 0) flags |= Map.Locked;
        else if (extra == 1) flags |= Map.Populate;
        else if (extra == 2) flags |= Map.NoReserve;
        var handles = model.Processes[pid].Handles.Keys.ToArray();
        if (handles.Length > 0 && rng.Next(6) == 0)
        {
            flags = (rng.Next(2) == 0 ? Map.Shared : Map.Private) | Map.Fixed;
            return new MmapCall(pid, addr, len, prot, flags, handles[rng.Next(handles.Length)], 0);
        }
        return new MmapCall(pid, addr, len, prot, flags);
    }

    static Call Name(Random rng, int pid, ulong addr, ulong len)
    {
        int r = rng.Next(20);
        return r switch
        {
            < 12 => new NameCall(pid, addr, len, NamePool[rng.Next(NamePool.Length)]),
            < 16 => new NameCall(pid, addr, len, null),
            16 => new NameCall(pid, addr, len, new string('n', 79)),
            17 => new NameCall(pid, addr, len, new string('n', 80)),
            18 => new NameCall(pid, addr, len, "a$b"),
            _ => new NameCall(pid, addr, len, null, BadPointer: true),
        };
    }
}
