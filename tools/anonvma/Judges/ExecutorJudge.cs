using System.Collections.Concurrent;
using Stopwatch = System.Diagnostics.Stopwatch;
using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// A real kernel reached through anonvma-exec: writes the traces as one batch, runs it (the subclass says where:
/// natively on a long-lived executor, or in a QEMU guest booted for the batch), and turns the output back into runs. A trace missing from the
/// output becomes a Lost run that carries the runner's complaint, so a broken kernel or boot shows up as a
/// disagreement, never as silence.
/// </summary>
public abstract class ExecutorJudge : IJudge
{
    public abstract string Name { get; }
    public abstract KernelProfile Profile { get; }

    /// <summary>Kills a batch in flight when it fires (Ctrl-C in a campaign); the batch's traces come back Lost.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>Wall time of the last batch, its session's start (boot) included when it had to start one, for speed tables.</summary>
    public TimeSpan LastElapsed { get; private set; }

    /// <summary>How long the last batch waited for a session to start (zero when an idle one was reused; the longest of its sessions).</summary>
    public TimeSpan LastStart { get; private set; }

    /// <summary>The executor's own account of the last batch (its "S" line), or null if it gave none.</summary>
    public ExecutorStats? LastStats { get; private set; }

    /// <summary>Time the last batch spent writing the batch text and parsing the output back into runs, on this side (the longest session's).</summary>
    public (TimeSpan Encode, TimeSpan Parse) LastHostSide { get; private set; }

    /// <summary>
    /// Read every live process after every call ("option fresh"), instead of reusing the last view of a process the call
    /// cannot have changed: slower, the reference the shortcut is tested against (KernelViewTests).
    /// </summary>
    public bool FreshViews { get; init; }

    /// <summary>What bounds a trace's memory on this kernel, named in the detail of a run the OOM killer ended.</summary>
    protected abstract string MemoryLimit { get; }

    /// <summary>Starts one long-lived executor; throws InvalidOperationException with the reason if it cannot.</summary>
    protected virtual ExecutorSession StartSession() => throw new InvalidOperationException($"{Name} has no long-lived executor");

    /// <summary>How long one batch may take before its session is killed and its traces reported Lost.</summary>
    protected abstract TimeSpan BatchTimeout(int traceCount, long callCount);

    // Idle sessions: one per caller running at the same time, each reused batch after batch.
    readonly ConcurrentBag<ExecutorSession> idle = [];

    /// <summary>Batches of at least this many traces are split over one session per core, run side by side.</summary>
    public const int SplitAbove = 128;

    public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces)
    {
        if (traces.Count == 0) return [];
        var dupes = traces.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1);
        if (dupes is not null) throw new ArgumentException($"trace id '{dupes.Key}' appears {dupes.Count()} times in one batch");
        var started = Stopwatch.StartNew();
        int parts = traces.Count >= SplitAbove ? Math.Clamp(traces.Count / (SplitAbove / 2), 1, Environment.ProcessorCount) : 1;
        int chunk = (traces.Count + parts - 1) / parts;
        var pieces = traces.Chunk(chunk).ToArray();
        var done = new (List<TraceRun> Runs, ExecutorStats? Stats, TimeSpan Start, TimeSpan Encode, TimeSpan Parse)[pieces.Length];
        Parallel.For(0, pieces.Length, new ParallelOptions { MaxDegreeOfParallelism = pieces.Length }, i => done[i] = RunOne(pieces[i]));
        var stats = done.Select(d => d.Stats).ToList();
        LastStats = stats.Any(x => x is null) ? null : stats.Aggregate((a, b) => new ExecutorStats(a!.Traces + b!.Traces, a.CallCount + b.CallCount,
            a.Total + b.Total, a.InCalls + b.InCalls, a.Reads + b.Reads, a.Output + b.Output));
        LastStart = done.Max(d => d.Start);
        LastHostSide = (done.Max(d => d.Encode), done.Max(d => d.Parse));
        LastSessions = pieces.Length;
        LastElapsed = started.Elapsed;
        return done.SelectMany(d => d.Runs).ToList();
    }

    /// <summary>How many sessions ran the last batch side by side (its <see cref="LastStats"/> add theirs up).</summary>
    public int LastSessions { get; private set; }

    (List<TraceRun>, ExecutorStats?, TimeSpan, TimeSpan, TimeSpan) RunOne(IReadOnlyList<Trace> traces)
    {
        var started = Stopwatch.StartNew();
        string batch = (FreshViews ? "option stats\noption fresh\n" : "option stats\n") + WireFormat.Batch(traces, compact: true);
        var encode = started.Elapsed;
        var (res, stats, start) = Execute(batch, traces.Count, traces.Sum(t => (long)t.Calls.Count));
        var parsing = started.Elapsed;
        List<TraceRun> runs;
        try { runs = ExecutorOutput.Parse(res.Stdout, Name); }
        catch (ExecutorOutputException e) { runs = []; res = res with { Stderr = res.Stderr + e.Message + "\n" }; }
        runs = runs.Select(r => r.End == RunEnd.Crash ? r with { Detail = ExecutorMemory.Explain(r.Detail, MemoryLimit) } : r).ToList();
        var byId = runs.GroupBy(r => r.TraceId).ToDictionary(g => g.Key, g => g.Last());
        string complaint = $"{Name} gave no result for this trace (exit {res.ExitCode}): " +
                           string.Join(" | ", res.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
        var result = traces.Select(t => byId.TryGetValue(t.Id, out var r) ? r : new TraceRun(t.Id, RunEnd.Lost, complaint, [])).ToList();
        return (result, stats, start, encode, started.Elapsed - parsing);
    }

    /// <summary>
    /// Runs one batch text on an idle session (or a new one): the executor's output, its S line, and how long a new
    /// session took to start. A session that cannot start gives exit -1 and its reason, so every trace comes back Lost.
    /// </summary>
    protected virtual (Shell.Result Result, ExecutorStats? Stats, TimeSpan Start) Execute(string batch, int traceCount, long callCount)
    {
        var sw = Stopwatch.StartNew();
        ExecutorSession? session = null;
        while (idle.TryTake(out var s)) { if (s.Alive) { session = s; break; } s.Dispose(); }
        try
        {
            var start = TimeSpan.Zero;
            if (session is null)
            {
                session = StartSession();
                start = session.StartTime;
            }
            var (res, stats) = session.Run(batch, BatchTimeout(traceCount, callCount), Cancellation);
            if (session.Alive) idle.Add(session);
            return (res, stats, start);
        }
        catch (InvalidOperationException e) { return (new Shell.Result(-1, "", e.Message + "\n", sw.Elapsed), null, TimeSpan.Zero); }
    }

    /// <summary>Runs one batch with "option bare" (each trace's calls in one plain process, no reports) and returns the executor's count of them: the kernel's own rate.</summary>
    public ExecutorStats? Bare(IReadOnlyList<Trace> traces) =>
        Execute("option bare\n" + WireFormat.Batch(traces), traces.Count, traces.Sum(t => (long)t.Calls.Count)).Stats;

    static readonly Lazy<string> executor = new(BuildExecutor);

    /// <summary>make -C tools/executor once per process (quick when up to date), so no run starts while make writes it.</summary>
    public static string EnsureExecutor() => executor.Value;

    static string BuildExecutor()
    {
        var r = Shell.Run("make", ["-s", "-C", Path.GetDirectoryName(RepoPaths.Executor)!], TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0 || !File.Exists(RepoPaths.Executor))
            throw new InvalidOperationException($"building {RepoPaths.Executor} failed (install gcc, make and libc6-dev):\n{r.Stdout}{r.Stderr}");
        return RepoPaths.Executor;
    }
}
