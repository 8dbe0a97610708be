using Stopwatch = System.Diagnostics.Stopwatch;
using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// A real kernel reached through anonvma-exec: writes the traces as one batch, runs it (the subclass says where:
/// natively, or in a QEMU guest; either way on a long-lived executor fed batch after batch), and turns the output back into runs. A trace missing from the
/// output becomes a Lost run that carries the runner's complaint, so a broken kernel or boot shows up as a
/// disagreement, never as silence. <paramref name="memoryLimit"/> is what bounds a trace's memory on this kernel, named
/// in the detail of a run the OOM killer ended.
/// </summary>
public abstract class ExecutorJudge(string name, KernelProfile profile, string memoryLimit) : IJudge
{
    public string Name { get; } = name;
    public KernelProfile Profile { get; } = profile;

    /// <summary>Kills a batch in flight when it fires (Ctrl-C in a campaign); the batch's traces come back Lost.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>Where the last batch's time went, for speed tables; null before the first.</summary>
    public BatchTimes? Last { get; private set; }

    /// <summary>
    /// Read every live process after every call ("option fresh"), instead of reusing the last view of a process the call
    /// cannot have changed: slower, the reference the shortcut is tested against (KernelViewTests).
    /// </summary>
    public bool FreshViews { get; set; }

    /// <summary>
    /// Make every call through the executor's controller ("option stepwise"), none relayed among the trace processes:
    /// slower, the reference that relays are tested against (KernelViewTests).
    /// </summary>
    public bool Stepwise { get; set; }

    /// <summary>
    /// Read what the kernel logs while each trace runs ("option kmsg"): each run's <see cref="TraceRun.KernelLog"/>. For a
    /// guest, whose log is the batch's alone; a native kernel's log is the whole machine's.
    /// </summary>
    public bool KernelLog { get; set; }

    /// <summary>A new long-lived executor session (natively, or in a guest); throws InvalidOperationException with the reason it cannot start.</summary>
    protected abstract ExecutorSession StartSession();

    /// <summary>How long a batch may take before its session is killed and its traces come back Lost.</summary>
    protected abstract TimeSpan BatchTimeout(int traceCount, long callCount);

    // Idle sessions: one per caller running at the same time, each reused batch after batch.
    readonly System.Collections.Concurrent.ConcurrentBag<ExecutorSession> idle = [];

    /// <summary>
    /// Runs one batch text on an idle session, or on a new one whose start it reports: the executor's output and how
    /// long it waited for the session to start. A session that cannot start gives exit -1 and its reason, so every
    /// trace comes back Lost.
    /// </summary>
    (Shell.Result Result, TimeSpan Start) Execute(string batch, int traceCount, long callCount)
    {
        ExecutorSession? session = null;
        while (idle.TryTake(out var s)) { if (s.Alive) { session = s; break; } s.Dispose(); }
        try
        {
            var start = session is null ? (session = StartSession()).StartTime : TimeSpan.Zero;
            var res = session.Run(batch, BatchTimeout(traceCount, callCount), Cancellation);
            if (session.Alive) idle.Add(session);
            return (res, start);
        }
        catch (InvalidOperationException e) { return (new Shell.Result(-1, "", e.Message + "\n", TimeSpan.Zero), TimeSpan.Zero); }
    }

    /// <summary>Batches of at least this many traces are split over one session per core, run side by side.</summary>
    public const int SplitAbove = 128;

    /// <summary>
    /// A split batch goes out in pieces, each session taking the next when it is done with one: a piece is the traces
    /// left over twice the sessions, at least this many, so pieces shrink towards the end and no core waits long for
    /// another's last piece (forks and long traces are not spread evenly), while early pieces are long enough that a
    /// piece's round trip (its batch child in the executor, the host's reading) stays small beside it.
    /// </summary>
    public const int PieceAtLeast = 16;

    public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces)
    {
        if (traces.Count == 0) return [];
        var dupes = traces.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1);
        if (dupes is not null) throw new ArgumentException($"trace id '{dupes.Key}' appears {dupes.Count()} times in one batch");
        var started = Stopwatch.StartNew();
        int parts = traces.Count >= SplitAbove ? Math.Clamp(traces.Count / (SplitAbove / 2), 1, Environment.ProcessorCount) : 1;
        var done = new System.Collections.Concurrent.ConcurrentBag<(int From, List<TraceRun> Runs, BatchTimes Times)>();
        var worker = new (TimeSpan Encode, TimeSpan Parse)[parts];
        int taken = 0;
        var gate = new object();
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, w =>
        {
            for (;;)
            {
                int from, count;
                lock (gate)
                {
                    from = taken;
                    count = parts == 1 ? traces.Count - from : Math.Min(traces.Count - from, Math.Max(PieceAtLeast, (traces.Count - from) / (2 * parts)));
                    taken += count;
                }
                if (count == 0) break;
                var (runs, times) = RunOne(traces.Skip(from).Take(count).ToList());
                done.Add((from, runs, times));
                worker[w] = (worker[w].Encode + times.Encode, worker[w].Parse + times.Parse);
            }
        });
        var ordered = done.OrderBy(d => d.From).ToList();
        var all = ordered.Select(d => d.Times).ToList();
        Last = new BatchTimes(started.Elapsed, all.Max(t => t.Start),
            all.Any(t => t.Stats is null) ? null : all.Select(t => t.Stats!).Aggregate((a, b) => a + b),
            worker.Max(t => t.Encode), worker.Max(t => t.Parse), parts);
        return ordered.SelectMany(d => d.Runs).ToList();
    }

    (List<TraceRun>, BatchTimes) RunOne(IReadOnlyList<Trace> traces)
    {
        var started = Stopwatch.StartNew();
        string batch = "option stats\n" + (FreshViews ? "option fresh\n" : "") + (Stepwise ? "option stepwise\n" : "") + (KernelLog ? "option kmsg\n" : "") + WireFormat.Batch(traces, compact: true);
        var encode = started.Elapsed;
        var (res, start) = Execute(batch, traces.Count, traces.Sum(t => (long)t.Calls.Count));
        var parsing = started.Elapsed;
        List<TraceRun> runs;
        try { runs = ExecutorOutput.Parse(res.Stdout, Name); }
        catch (ExecutorOutputException e) { runs = []; res = res with { Stderr = res.Stderr + e.Message + "\n" }; }
        var byId = runs.GroupBy(r => r.TraceId).ToDictionary(g => g.Key, g => g.Last());
        string complaint = $"{Name} gave no result for this trace (exit {res.ExitCode}): " +
                           string.Join(" | ", res.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
        var result = traces.Select(t => !byId.TryGetValue(t.Id, out var r) ? new TraceRun(t.Id, RunEnd.Lost, complaint, [])
            : r.End == RunEnd.Crash ? r with { Detail = ExecutorMemory.Explain(r.Detail, memoryLimit) } : r).ToList();
        return (result, new BatchTimes(started.Elapsed, start, ExecutorStats.Find(res.Stdout), encode, started.Elapsed - parsing, 1));
    }

    /// <summary>Runs one batch with "option bare" (each trace's calls in one plain process, no reports) and returns the executor's count of them: the kernel's own rate.</summary>
    public ExecutorStats? Bare(IReadOnlyList<Trace> traces) =>
        ExecutorStats.Find(Execute("option bare\n" + WireFormat.Batch(traces), traces.Count, traces.Sum(t => (long)t.Calls.Count)).Result.Stdout);

    /// <summary>make -C tools/executor once per process (quick when up to date), so no run starts while make writes it.</summary>
    public static string EnsureExecutor() => executor.Value;

    static readonly Lazy<string> executor = new(() =>
    {
        var r = Shell.Run("make", ["-s", "-C", Path.GetDirectoryName(RepoPaths.Executor)!], TimeSpan.FromMinutes(2));
        return r.ExitCode == 0 && File.Exists(RepoPaths.Executor) ? RepoPaths.Executor
            : throw new InvalidOperationException($"building {RepoPaths.Executor} failed (install gcc, make and libc6-dev):\n{r.Stdout}{r.Stderr}");
    });
}

/// <summary>
/// Where one batch's time went, so a speed table can say what a judge spends it on: the wall time, the longest wait
/// for a session (or boot) to start (zero when idle ones were reused), the executors' own "S" lines added up (null if
/// one gave none), this side's longest batch writing and output parsing, and how many sessions ran side by side.
/// </summary>
public sealed record BatchTimes(TimeSpan Elapsed, TimeSpan Start, ExecutorStats? Stats, TimeSpan Encode, TimeSpan Parse, int Sessions);
