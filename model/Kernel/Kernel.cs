using System.Runtime.CompilerServices;
using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

/// <summary>
/// The reference model: every process of one trace, the name objects and files they share, and the calls that change
/// them. Pure and deterministic: the same calls on the same profile always give the same outcomes and state.
/// </summary>
public sealed partial class LinuxModel
{
    readonly List<Process> processes = new();
    readonly HashSet<AnonName> liveNames = new(ReferenceEqualityComparer.Instance);
    readonly List<string> lifecycleViolations = new();
    readonly List<MappedFile> files = new();
    long nextAnonId = 1, nextNameId = 1, nextFileId = 1;
    int handleCount;

    public LinuxModel(KernelProfile profile)
    {
        Profile = profile;
        processes.Add(new Process(0) { MemlockHard = profile.MemlockHard });
    }

    public KernelProfile Profile { get; }
    /// <summary>Every process the trace has had, by index; exited ones stay so their index is not reused.</summary>
    public IReadOnlyList<Process> Processes => processes;
    /// <summary>Name objects that have not been freed.</summary>
    public IReadOnlyCollection<AnonName> LiveNames => liveNames;
    /// <summary>The same set, for the checks: lookups and a walk without a boxed enumerator.</summary>
    internal HashSet<AnonName> LiveNameSet => liveNames;
    /// <summary>The processes as their concrete list, so the checks' loops need no interface calls.</summary>
    internal List<Process> ProcessList => processes;
    /// <summary>Lifecycle transitions the model attempted that the lifecycle forbids (always empty in a correct model).</summary>
    public IReadOnlyList<string> LifecycleViolations => lifecycleViolations;
    /// <summary>Files created by the trace.</summary>
    public IReadOnlyList<MappedFile> Files => files;
    /// <summary>A test-only switch for deliberately wrong rules (mutation testing); null in normal use.</summary>
    public Mutations? Mutations { get; init; }

    /// <summary>
    /// Fork shares identical VMA objects between parent and child (copy-on-write) so that forking a large mm allocates
    /// nothing per VMA. Off gives the plain per-VMA copy; a property checks that both give the same observations.
    /// </summary>
    public bool ForkSharesVmas { get; init; } = true;

    /// <summary>
    /// Keeps copies of the VMAs around every modified range (CallEffects.Sites), which the merge invariant needs. Off by
    /// default because the copies cost about a third of the model's speed; checked runs turn it on.
    /// </summary>
    public bool TracksMergeSites { get; init; }

    bool Mutated(Mutation m) => Mutations is { } ms && ms.Has(m);

    /// <summary>What the most recent call did, for the checks that judge one operation (merges, population, fork).</summary>
    public CallEffects? Last { get; private set; }

    /// <summary>Runs one call. A call to a process that does not exist or has exited is a trace error, not an errno.</summary>
    public Outcome Apply(Call call)
    {
        var p = ProcessFor(call.Pid);
        // The executor starts every call with its CPU's folio batches drained (drain_cpu_batches in runtime.h).
        if (!Mutated(Mutation.SkipsCallDrain)) DrainLocal();
        sites.Clear();
        splits.Clear();
        LastCallNameAllocations = 0;
        nameSite = call switch { NameCall => NameSite.Prctl, ForkCall => NameSite.Fork, ExitCall => NameSite.Exit, _ => NameSite.Unmap };
        var outcome = Dispatch(p, call);
        Last = new CallEffects(call, outcome, sites.Count == 0 ? [] : sites.ToArray()) { Splits = splits.Count == 0 ? [] : splits.ToArray() };
        return outcome;
    }

    readonly List<MergeSite> sites = new();
    readonly List<SplitSite> splits = new();

    /// <summary>Records a range an operation just finished modifying or mapping, with copies of the VMAs around it.</summary>
    void Site(Process p, Vma result, ulong start, ulong end)
    {
        if (TracksMergeSites) RecordSite(p, result, start, end);
    }

    /// <remarks>Compiled optimised at once, like the checks it serves: checked runs are too short for tiered compilation to reach it.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    void RecordSite(Process p, Vma result, ulong start, ulong end)
    {
        var (l, r) = p.Vmas.Neighbours(result);
        sites.Add(new MergeSite(p.Index, start, end, VmaShot.Of(result), l is null ? null : VmaShot.Of(l), r is null ? null : VmaShot.Of(r)));
    }

    Outcome Dispatch(Process p, Call call)
    {
        return call switch
        {
            MmapCall c => Mmap(p, c.Addr, c.Len, c.Prot, c.Flags, c.Handle, c.Offset),
            MunmapCall c => Munmap(p, c.Addr, c.Len),
            MprotectCall c => Mprotect(p, c.Addr, c.Len, c.Prot),
            MlockCall c => DoMlock(p, c.Addr, c.Len, VmFlags.Locked),
            Mlock2Call c => Mlock2(p, c.Addr, c.Len, c.Flags),
            MunlockCall c => Munlock(p, c.Addr, c.Len),
            MlockallCall c => Mlockall(p, c.Flags),
            MunlockallCall => Munlockall(p),
            MadviseCall c => Madvise(p, c.Addr, c.Len, c.Advice),
            MremapCall c => Mremap(p, c.Addr, c.OldLen, c.NewLen, c.Flags, c.NewAddr),
            NameCall c => SetAnonName(p, c),
            // The executor's write stores 1 (write_byte in runtime.h).
            TouchCall c => c.Write ? Store(p, c.Addr, 1) : TouchGrowingStack(p, c.Addr, false),
            StoreCall c => Store(p, c.Addr, c.Value),
            ForkCall => Fork(p),
            ExitCall => Exit(p),
            MemfdCall c => NewFile(p, FileKind.Memfd, c.Size),
            FileCall c => NewFile(p, FileKind.Regular, c.Size),
            SetCredsCall c => SetCreds(p, c.MemlockLimit, c.CapIpcLock),
            _ => throw new ArgumentException($"unknown call {call}"),
        };
    }

    Process ProcessFor(int pid)
    {
        if (pid < 0 || pid >= processes.Count)
            throw new TraceException($"p{pid} does not exist (the trace has {processes.Count} process(es))");
        var p = processes[pid];
        if (!p.TryFire(ProcessTrigger.Call))
            throw new TraceException($"p{pid} has exited; no call can be addressed to it");
        return p;
    }

    // ---- name objects -------------------------------------------------------------------------------------------

    /// <summary>anon_vma_name_get.</summary>
    void NameGet(AnonName? n)
    {
        if (n is null) return;
        if (NameLifecycle.Next(n.State, NameTrigger.Get, n.Refs) is not { } next)
        {
            lifecycleViolations.Add($"reference taken on {n} in state {n.State}");
            return;
        }
        n.Refs++;
        n.State = next;
    }

    /// <summary>anon_vma_name_put.</summary>
    void NamePut(AnonName? n)
    {
        if (n is null) return;
        if (NameLifecycle.Next(n.State, NameTrigger.Put, n.Refs) is not { } next)
        {
            lifecycleViolations.Add($"reference dropped on {n} in state {n.State}");
            return;
        }
        n.Refs--;
        n.State = next;
        if (next == NameState.Freed)
        {
            liveNames.Remove(n);
            CountFree(n);
        }
    }

    static bool NameEq(AnonName? a, AnonName? b) => ReferenceEquals(a, b) || (a is not null && b is not null && a.Value == b.Value);

    long NewAnonId() => nextAnonId++;

    Outcome NewFile(Process p, FileKind kind, ulong size)
    {
        // Handles are numbered per trace, not per process, so that h0 names the same file in every process. Only
        // memfd and file calls make one; the /dev/zero file behind shared anonymous memory is not a handle.
        int h = handleCount++;
        // do_sys_ftruncate: a length that is negative as a loff_t is EINVAL. The executor then closes the descriptor,
        // and the handle it reserved stays -1, so mapping it is EBADF.
        if ((long)size < 0) return Outcome.Err(Errno.EINVAL);
        long id = nextFileId++;
        // The executor names regular files /tmp/anonvma-exec.<pid>.<trace>.h<N>; comparisons reduce that to this.
        var f = new MappedFile(id, kind, size, kind == FileKind.Memfd ? "/memfd:m (deleted)" : $"/anonvma-exec.h{h}");
        files.Add(f);
        p.Handles[h] = f;
        return Outcome.Handle(h);
    }

    /// <summary>
    /// The executor's setcreds: setrlimit(RLIMIT_MEMLOCK) with both limits, then (capIpcLock false) capset without
    /// CAP_IPC_LOCK. do_prlimit refuses to raise the hard limit without CAP_SYS_RESOURCE (EPERM), and then nothing changes.
    /// </summary>
    Outcome SetCreds(Process p, ulong memlockLimit, bool capIpcLock)
    {
        if (memlockLimit > p.MemlockHard && !Profile.CapSysResource) return Outcome.Err(Errno.EPERM);
        p.MemlockLimit = p.MemlockHard = memlockLimit;
        p.CapIpcLock = p.CapIpcLock && capIpcLock;
        return Outcome.Ok;
    }

    /// <summary>can_do_mlock.</summary>
    static bool CanDoMlock(Process p) => p.MemlockLimit != 0 || p.CapIpcLock;
}

/// <summary>
/// A range an operation modified or mapped, with copies of the VMA covering it and its two neighbours taken the moment
/// the operation finished with it: the state the kernel's merge decision saw. Faults later in the same call (mlock,
/// MAP_POPULATE) may attach an anon_vma that would have changed that decision, so the live state is not the judge.
/// </summary>
public sealed record MergeSite(int Pid, ulong Start, ulong End, VmaShot Result, VmaShot? Left, VmaShot? Right);

/// <summary>A VMA as it was before __split_vma and its two halves right after, for the check that a split keeps the name.</summary>
public sealed record SplitSite(int Pid, VmaShot Before, VmaShot Lower, VmaShot Upper);

/// <summary>One call, its outcome, the ranges it modified and the splits it made (both kept only with TracksMergeSites).</summary>
public sealed record CallEffects(Call Call, Outcome Outcome, IReadOnlyList<MergeSite> Sites)
{
    public IReadOnlyList<SplitSite> Splits { get; init; } = [];
}

/// <summary>A trace asked for something no kernel call can express (a call to a missing or exited process).</summary>
public sealed class TraceException(string message) : Exception(message);
