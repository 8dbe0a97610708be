using System.Diagnostics;
using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>How long a session runs and with how many workers; these may change from one session to the next.</summary>
/// <param name="Budget">When to stop taking new blocks.</param>
/// <param name="Workers">Workers on the main lane (one per core by default); the QEMU lane runs beside them.</param>
/// <param name="Grace">How long blocks in flight (and their shrinking) may finish after the budget before they are abandoned.</param>
/// <param name="SampleEvery">How often a timeline point is written.</param>
public sealed record SessionOptions(TimeSpan Budget, int Workers, TimeSpan Grace, TimeSpan SampleEvery)
{
    /// <summary>
    /// How long one finding may be shrunk. Shrinking a 1,000-call trace costs a kernel batch a round, slow under
    /// QEMU's emulation, so it is bounded; the smallest failing trace reached by then is saved, and its header says so.
    /// </summary>
    public TimeSpan ShrinkBudget { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Stops the session as Ctrl-C would once this many blocks are committed (tests use it to stop at a known point).</summary>
    public int? StopAfterBlocks { get; init; }

    /// <summary>Shrink new findings (off: the original trace is saved as the shrunk one, as `fuzz --no-shrink` asks).</summary>
    public bool Shrink { get; init; } = true;

    /// <summary>Stop taking blocks once one finding is claimed and shrunk, and claim no other (mutation checks time the first kill).</summary>
    public bool StopAtFirstFinding { get; init; }

    /// <summary>
    /// Threads on the QEMU lane, each with a guest of its own: two per core given to the lane, so that one block's model
    /// runs overlap another's guest time (see <see cref="QemuWorkersFor"/>).
    /// </summary>
    public int QemuWorkers { get; init; } = 2;

    /// <summary>Most QEMU lane threads on any machine: each may hold a guest of 512 MiB.</summary>
    public const int MaxQemuWorkers = 16;

    /// <summary>The QEMU lane's default threads when the main lane has <paramref name="workers"/> of <paramref name="cores"/> cores.</summary>
    public static int QemuWorkersFor(int cores, int workers) => Math.Min(MaxQemuWorkers, 2 * Math.Max(1, cores - workers));
}

/// <summary>How a session ended.</summary>
/// <param name="Complete">Every seed of a bounded campaign (this shard) is done and every finding shrunk.</param>
/// <param name="Interrupted">Ctrl-C (or the caller's token) stopped it.</param>
public sealed record SessionOutcome(bool Complete, bool Interrupted, TimeSpan Elapsed, CampaignProgress Final, IReadOnlyList<string> Problems);

/// <summary>
/// Runs one session of a campaign: workers claim blocks of seeds, realise each seed's trace (<see cref="Schedule"/>),
/// check the block with their lane's suite, claim and shrink new findings, and commit the block by rewriting
/// state.json atomically. A block that is not committed is redone from its seeds on --resume, so a kill loses only
/// the blocks in flight and no finding.
/// </summary>
public sealed class CampaignRunner
{
    readonly CampaignDirectory dir;
    readonly CampaignState state;
    readonly FindingStore store;
    readonly List<Lane> lanes = [];
    readonly Mutations? mutations;
    readonly double baseSeconds;
    readonly Stopwatch session = new();
    // Guards the state and everything below it; the lanes and the store have locks of their own.
    readonly object gate = new();
    readonly CampaignState thisSession = new();
    readonly Dictionary<int, string> activity = new();
    readonly List<string> newFindings = [];
    readonly List<string> problems = [];
    readonly List<FoundBug> sessionFindings = [];
    int sessionBlocks;
    SessionOptions options = null!;
    CancellationTokenSource stopTaking = null!, hard = null!;

    /// <param name="kernel">Makes a real kernel judge by name ("native", "qemu"); throws with a clear reason when it cannot run here.</param>
    public CampaignRunner(CampaignDirectory dir, Func<string, IJudge> kernel)
    {
        this.dir = dir;
        Config = dir.ReadConfig();
        state = dir.ReadState();
        store = new FindingStore(dir.FindingsDir);
        baseSeconds = state.Seconds;
        mutations = Config.Mutation is { } m ? new Mutations(Enum.Parse<Mutation>(m, ignoreCase: true)) : null;

        IJudge? native = Config.Native ? kernel("native") : null;
        lanes.Add(new Lane("main", native is null ? "model" : "native", new SeedBlocks(Config, Config.BlockSize), Done("main"),
            () => native is null
                ? new Suite(new InvariantOracle(KernelProfile.Linux612, mutations))
                : new Suite(new InvariantOracle(KernelProfile.Linux612, mutations), new DifferentialOracle(native, mutations, "native")),
            native));
        if (Config.Qemu)
        {
            var qemu = kernel("qemu");
            lanes.Add(new Lane("qemu", "qemu", new SeedBlocks(Config, Config.QemuBlockSize), Done("qemu"),
                () => new Suite(new DifferentialOracle(qemu, mutations, "qemu")), qemu)
            {
                ShrinkStandIn = native is null ? null : () => new Suite(new DifferentialOracle(native, mutations, "native")),
            });
        }
        // A re-implementation walks the same seeds on its own lane. Linux is its reference: this machine's kernel first
        // (a trace where it differs from the model is the model's finding, not the implementation's), then the model.
        foreach (var name in Config.Implementations)
        {
            var judge = kernel(name);
            if (judge is ImplementationJudge impl) state.NotImplemented[name] = [.. impl.NotImplemented];
            lanes.Add(new Lane(name, name, new SeedBlocks(Config, Config.BlockSize), Done(name),
                () => native is null
                    ? new Suite(new DifferentialOracle(judge, mutations, name))
                    : new Suite(new DifferentialOracle(native, mutations, "native"), new DifferentialOracle(judge, mutations, name)), judge));
        }
        store.RemoveUnpublished();
        foreach (var rec in store.PendingShrink()) lanes.FirstOrDefault(l => l.Name == rec.Lane)?.Pending.Enqueue(rec);

        DoneBlocks Done(string lane) => new(state.Done.GetValueOrDefault(lane));
    }

    /// <summary>How long workers get to notice a stop: a model batch of shrink candidates (256 at most) takes about a second.</summary>
    static readonly TimeSpan StopWait = TimeSpan.FromSeconds(15);

    public CampaignConfig Config { get; }

    /// <summary>How many times this runner wrote state.json (tests hold it to the write interval, not one per block).</summary>
    internal int StateWrites { get; private set; }

    /// <summary>The findings claimed in this session, in the order they were found, with their shrunk traces (Count is 1: the state has the totals).</summary>
    public IReadOnlyList<FoundBug> SessionFindings { get { lock (gate) return sessionFindings.ToList(); } }

    /// <summary>What each lane checks, cheapest first, e.g. "invariants(linux-6.12) + model(host-6.18) vs native-6.18".</summary>
    public string Oracles => string.Join(" + ", lanes.Select(l => l.NewSuite().Name));

    public SessionOutcome Run(SessionOptions options, Action<CampaignProgress>? progress = null, CancellationToken cancel = default)
    {
        this.options = options;
        using var hard = this.hard = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        // A hard stop is also a stop to taking blocks, whichever way it came (the caller's token, the grace running out).
        using var stopTaking = this.stopTaking = CancellationTokenSource.CreateLinkedTokenSource(hard.Token);
        foreach (var lane in lanes)
            if (lane.Judge is ExecutorJudge e) e.Cancellation = hard.Token;
        session.Start();
        lock (gate) state.Sessions++;
        WriteState();

        var threads = new List<Thread>();
        foreach (var lane in lanes)
            for (int i = 0; i < lane.Name switch { "main" => options.Workers, "qemu" => options.QemuWorkers, _ => 1 }; i++)
            {
                int worker = threads.Count;
                threads.Add(new Thread(() => Work(worker, lane)) { IsBackground = true, Name = $"campaign-{lane.Name}-{i}" });
                threads[^1].Start();
            }

        var lastSample = TimeSpan.Zero;
        int written = 0;
        Sample();
        while (threads.Any(t => t.IsAlive))
        {
            Thread.Sleep(200);
            // Workers commit blocks in memory and go on; state.json is rewritten here, at most once a tick, with every block
            // committed since. A model-only worker commits about 100 blocks a second, and an fsync and rename for each took
            // 6% of a core; a kill loses at most the blocks of the last tick, which --resume redoes from their seeds.
            if (Volatile.Read(ref sessionBlocks) is var committed && committed != written) { written = committed; WriteState(); }
            if (session.Elapsed >= options.Budget) stopTaking.Cancel();
            if (session.Elapsed >= options.Budget + options.Grace) hard.Cancel();
            // Every second for the first minute, so short runs still draw lines; then every SampleEvery.
            var every = session.Elapsed < TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : options.SampleEvery;
            if (session.Elapsed - lastSample >= every) { lastSample = session.Elapsed; Sample(); }
            progress?.Invoke(Snapshot());
            if (!hard.IsCancellationRequested) continue;
            // After a hard stop, a worker stuck in a call that ignores cancellation is left behind (threads are background ones).
            if (!threads.All(t => !t.IsAlive || t.Join(StopWait)))
                lock (gate) problems.Add($"a worker did not stop within {StopWait.TotalSeconds} s of the stop and was left behind (doing: {string.Join("; ", activity.Values)})");
            break;
        }
        session.Stop();
        lock (gate) state.Seconds = CampaignSeconds();
        WriteState();
        Sample();
        var final = Snapshot();
        progress?.Invoke(final);
        bool complete = lanes.All(l => l.Finished) && store.PendingShrink().Count == 0;
        bool interrupted = cancel.IsCancellationRequested || options.StopAfterBlocks is not null && hard.IsCancellationRequested && !complete;
        lock (gate) return new SessionOutcome(complete, interrupted, session.Elapsed, final, problems.ToList());
    }

    void Work(int worker, Lane lane)
    {
        var suite = lane.NewSuite();
        try
        {
            while (!stopTaking.IsCancellationRequested) // linked to hard: either ends the loop
            {
                if (lane.Pending.TryDequeue(out var pending)) { ShrinkPending(worker, lane, suite, pending); continue; }
                if (lane.Claim() is not { } block) break;
                RunBlock(worker, lane, suite, block);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (gate) problems.Add($"worker {worker} ({lane.Name}) stopped: {e.GetType().Name}: {e.Message}");
        }
        finally { SetActivity(worker, null); }
    }

    void RunBlock(int worker, Lane lane, Suite suite, long block)
    {
        var (first, count) = lane.Blocks.Seeds(block);
        SetActivity(worker, $"{lane.Name}: block {block} (seeds {first}–{first + count - 1})");
        var coverage = new Coverage();
        // One model run per seed realises, checks the invariants and counts coverage; a kernel of the generator's
        // profile (QEMU 6.12) is compared with that run's observations instead of a second model run.
        bool observe = lane.Judge?.Profile == KernelProfile.Linux612;
        var runs = Enumerable.Range(0, count).Select(i => Schedule.Pass(Config, first + i, coverage, mutations, lane.ChecksInvariants, observe)).ToList();
        var found = suite.Check(runs);
        if (hard.IsCancellationRequested) { lane.Release(block); return; }

        var counts = new CampaignState { Traces = { [lane.Name] = runs.Count }, Coverage = new(coverage.Counts) };
        for (int i = 0; i < runs.Count; i++)
        {
            var trace = runs[i].Trace;
            var f = found[i];
            if (lane.ChecksInvariants) Add(counts.JudgeCalls, "model", trace.Calls.Count);
            if (lane.Judge is not null && f?.Judge != "model") Add(counts.JudgeCalls, lane.Kernel, trace.Calls.Count);
            if (f is null && observe && runs[i].Observed is { } seen) Add(counts.NamesAccepted, lane.Kernel, NamesAcceptedIn(trace, seen));
            if (f is null) continue;
            Add(counts.FindingCounts, f.Key.ToString(), 1);
            if (options.StopAtFirstFinding && store.Count > 0) continue; // only counted: the session stops at its first finding
            int seed = (int)(first + i);
            if (store.Claim(f, lane.Name, trace, seed, lane.ProfileOf(f.Judge), CampaignSeconds()) is not { } rec) continue;
            lock (gate) newFindings.Add(rec.Signature);
            if (ShrinkAndSave(worker, lane, suite, rec, trace, f, $"seed {seed}, {trace.Calls.Count} calls") is not { } shrunk)
            {
                lane.Release(block); // saved unshrunk; shrunk on --resume
                return;
            }
            lock (gate) sessionFindings.Add(new FoundBug(f, trace, seed, shrunk, 1, TimeSpan.FromSeconds(rec.FoundAtSeconds), lane.ProfileOf(f.Judge)));
            if (options.StopAtFirstFinding) stopTaking.Cancel();
        }

        lock (gate)
        {
            lane.Complete(block);
            state.Done[lane.Name] = lane.Done.Snapshot();
            state.Add(counts);
            thisSession.Add(counts);
            state.Seconds = CampaignSeconds();
            if (++sessionBlocks >= options.StopAfterBlocks) hard.Cancel();
        }
    }

    /// <summary>The prctl naming calls that returned 0 in a run of the trace (the model's, equal to the kernel's where they agreed).</summary>
    static long NamesAcceptedIn(AnonVma.Model.Trace trace, TraceRun run) =>
        run.Steps.Count(s => s.Index < trace.Calls.Count && trace.Calls[s.Index] is NameCall { Option: 0 } && s.Result == "0");

    void ShrinkPending(int worker, Lane lane, Suite suite, FindingRecord rec)
    {
        var trace = store.ReadOriginal(rec);
        var f = suite.Check(trace);
        if (hard.IsCancellationRequested) return;
        if (f?.Key.ToString() == rec.Signature) ShrinkAndSave(worker, lane, suite, rec, trace, f, "saved by an earlier session");
        else lock (gate) problems.Add($"{rec.Signature}: its saved trace (seed {rec.Seed}) no longer shows it, so it stays unshrunk " +
                                      $"(now: {f?.Key.ToString() ?? "no finding"})");
    }

    /// <summary>Shrinks a claimed finding (unless the session does not shrink) and saves the result; null when a hard stop cut it short.</summary>
    Shrinker.Result? ShrinkAndSave(int worker, Lane lane, Suite suite, FindingRecord rec, AnonVma.Model.Trace trace, Finding f, string what)
    {
        SetActivity(worker, $"{lane.Name}: shrinking {rec.Signature} ({what})");
        var (shrunk, cut) = options.Shrink ? Shrink(lane, trace, f, suite) : (new Shrinker.Result(trace, f, 0, 0), null);
        if (hard.IsCancellationRequested) return null;
        var impl = lane.Judge as ImplementationJudge;
        var linux = impl is null ? null : impl.WithoutMissing(new ModelJudge(impl.Profile).Run([shrunk.Trace])[0]);
        var observed = impl?.Run([shrunk.Trace])[0];
        store.SaveShrunk(rec, shrunk, lane.ProfileOf(f.Judge), cut, linux, observed);
        return shrunk;
    }

    /// <summary>Shrinks within the shrink budget; says whether the budget cut it short.</summary>
    (Shrinker.Result Result, TimeSpan? Cut) Shrink(Lane lane, AnonVma.Model.Trace trace, Finding f, Suite suite)
    {
        using var budgetOver = CancellationTokenSource.CreateLinkedTokenSource(hard.Token);
        budgetOver.CancelAfter(options.ShrinkBudget);
        TimeSpan? Cut() => budgetOver.IsCancellationRequested && !hard.IsCancellationRequested ? options.ShrinkBudget : null;

        // A QEMU round is a batch on a TCG guest, slow; when this machine's kernel shows the same difference, shrink there and confirm once.
        if (lane.ShrinkStandIn?.Invoke() is { } standIn && standIn.Check(trace) is { } there && there.Check == f.Check && there.CallKind == f.CallKind)
        {
            var quick = Shrinker.Shrink(trace, there, standIn, cancel: budgetOver.Token, maxBatch: 256);
            if (hard.IsCancellationRequested) return (quick, null);
            if (suite.Check(quick.Trace) is { } confirmed && confirmed.Key == f.Key)
                return (new Shrinker.Result(quick.Trace, confirmed, quick.CandidatesRun + 1, quick.Rounds + 1) { Via = standIn.Name }, Cut());
        }
        var result = Shrinker.Shrink(trace, f, suite, cancel: budgetOver.Token, maxBatch: lane.Name == "main" ? 256 : 32);
        return (result, Cut());
    }

    double CampaignSeconds() => baseSeconds + session.Elapsed.TotalSeconds;

    /// <summary>Rewrites state.json; a failure stops the session, as a campaign that cannot record its work must not go on.</summary>
    void WriteState()
    {
        string json;
        lock (gate) json = Json.Write(state);
        try { AtomicFile.Write(dir.StateFile, json); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            hard.Cancel();
            throw new CampaignFileException($"{dir.StateFile}: cannot write it: {e.Message}");
        }
        StateWrites++;
    }

    void SetActivity(int worker, string? what)
    {
        lock (gate)
            if (what is null) activity.Remove(worker); else activity[worker] = what;
    }

    void Sample()
    {
        var gc = GC.GetGCMemoryInfo();
        using var self = Process.GetCurrentProcess();
        TimelineSample sample;
        lock (gate)
            sample = new TimelineSample(CampaignSeconds(), state.Sessions, state.Traces.Values.Sum(), new Dictionary<string, long>(state.JudgeCalls),
                CampaignProgress.ByCategory(state.Coverage).ToDictionary(c => c.Category, c => c.Reached),
                store.Count, self.WorkingSet64 / 1048576.0, gc.HeapSizeBytes / 1048576.0);
        Timeline.Append(dir.TimelineFile, sample);
    }

    CampaignProgress Snapshot()
    {
        lock (gate)
        {
            var total = new CampaignState { Seconds = CampaignSeconds() };
            var now = new CampaignState();
            total.Add(state);
            now.Add(thisSession);
            return new CampaignProgress(session.Elapsed, options.Budget > session.Elapsed ? options.Budget - session.Elapsed : TimeSpan.Zero, total, now,
                lanes.ToDictionary(l => l.Name, l => l.SeedsDone), lanes[0].Blocks.ShardSeeds(), store.Count,
                activity.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList(), newFindings.ToList());
        }
    }

    static void Add(Dictionary<string, long> d, string key, long n) => d[key] = d.GetValueOrDefault(key) + n;
}
