using System.Diagnostics;
using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Campaign;

/// <summary>How long a session runs and with how many workers; these may change from one session to the next.</summary>
/// <param name="Budget">When to stop taking new blocks.</param>
/// <param name="Workers">Workers on the main lane (one per core by default); the QEMU lane runs beside them.</param>
/// <param name="Grace">How long blocks in flight (and their shrinking) may finish after the budget before they are abandoned.</param>
/// <param name="SampleEvery">How often a timeline point is written.</param>
public sealed record SessionOptions(TimeSpan Budget, int Workers, TimeSpan Grace, TimeSpan SampleEvery)
{
    /// <summary>
    /// How long one finding may be shrunk. Shrinking a 1,000-call trace costs a kernel batch a round, and under QEMU a
    /// boot a round, so it is bounded; the smallest failing trace reached by then is saved, and its header says so.
    /// </summary>
    public TimeSpan ShrinkBudget { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Stops the session as Ctrl-C would once this many blocks are committed (tests use it to stop at a known point).</summary>
    public int? StopAfterBlocks { get; init; }

    /// <summary>Shrink new findings (off: the original trace is saved as the shrunk one, as `fuzz --no-shrink` asks).</summary>
    public bool Shrink { get; init; } = true;

    /// <summary>Stop taking blocks once one finding is claimed and shrunk, and claim no other (mutation checks time the first kill).</summary>
    public bool StopAtFirstFinding { get; init; }
}

/// <summary>A finding this session claimed: the trace that first showed it, and its shrunk form.</summary>
public sealed record SessionFinding(FindingRecord Record, Finding Original, AnonVma.Model.Trace Trace, Shrinker.Result Shrunk, string Profile);

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
    readonly CampaignConfig config;
    readonly CampaignState state;
    readonly FindingStore store;
    readonly List<Lane> lanes = [];
    readonly object stateGate = new();
    readonly double baseSeconds;
    readonly Stopwatch session = new();
    readonly Dictionary<string, long> sessionJudgeCalls = new();
    readonly Dictionary<int, string> activity = new();
    readonly List<string> newFindings = [];
    readonly List<string> problems = [];
    readonly List<FindingRecord> pendingShrink;
    readonly Mutations? mutations;
    long sessionTraces;
    TimeSpan budget;
    TimeSpan shrinkBudget;
    int? stopAfterBlocks;
    bool shrinkFindings = true;
    bool stopAtFirst;
    CancellationTokenSource? stopTakingSource;
    readonly List<SessionFinding> sessionFindings = [];
    int sessionBlocks;
    CancellationTokenSource? hardStop;
    StateWriter? writer;

    /// <param name="kernel">Makes a real kernel judge by name ("native", "qemu"); throws with a clear reason when it cannot run here.</param>
    public CampaignRunner(CampaignDirectory dir, Func<string, IJudge> kernel)
    {
        this.dir = dir;
        config = dir.ReadConfig();
        state = dir.ReadState();
        store = new FindingStore(dir.FindingsDir);
        baseSeconds = state.Seconds;
        var mutations = config.Mutation is { } m ? new Mutations(Enum.Parse<Mutation>(m, ignoreCase: true)) : null;
        this.mutations = mutations;

        IJudge? native = config.Native ? kernel("native") : null;
        var main = new Lane("main", native is null ? "model" : "native", new SeedBlocks(config, config.BlockSize), Done("main"),
            () => native is null
                ? new Suite(new InvariantOracle(KernelProfile.Linux612, mutations))
                : new Suite(new InvariantOracle(KernelProfile.Linux612, mutations), new DifferentialOracle(native, mutations, "native")),
            native);
        lanes.Add(main);
        if (config.Qemu)
        {
            var qemu = kernel("qemu");
            lanes.Add(new Lane("qemu", "qemu", new SeedBlocks(config, config.QemuBlockSize), Done("qemu"),
                () => new Suite(new DifferentialOracle(qemu, mutations, "qemu")), qemu)
            {
                ShrinkStandIn = native is null ? null : () => new Suite(new DifferentialOracle(native, mutations, "native")),
            });
        }
        store.RemoveUnpublished();
        pendingShrink = store.PendingShrink().ToList();

        DoneBlocks Done(string lane) => new(state.Done.GetValueOrDefault(lane));
    }

    /// <summary>How long workers get to notice a stop: a model batch of shrink candidates (256 at most) takes about a second.</summary>
    static readonly TimeSpan StopWait = TimeSpan.FromSeconds(15);

    public CampaignConfig Config => config;
    /// <summary>The campaign's findings as this runner keeps them (read once at start, added to as they are found).</summary>
    public FindingStore Findings => store;

    /// <summary>The findings claimed in this session, in the order they were found, with their shrunk traces.</summary>
    public IReadOnlyList<SessionFinding> SessionFindings { get { lock (sessionFindings) return sessionFindings.ToList(); } }

    /// <summary>What each lane checks, cheapest first, e.g. "invariants(linux-6.12) + model(host-6.18) vs native-6.18".</summary>
    public string Oracles => string.Join(" + ", lanes.Select(l => l.NewSuite().Name));

    public SessionOutcome Run(SessionOptions options, Action<CampaignProgress>? progress = null, CancellationToken cancel = default)
    {
        budget = options.Budget;
        shrinkBudget = options.ShrinkBudget;
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        hardStop = hard;
        stopAfterBlocks = options.StopAfterBlocks;
        shrinkFindings = options.Shrink;
        stopAtFirst = options.StopAtFirstFinding;
        foreach (var lane in lanes)
            if (lane.Judge is ExecutorJudge e) e.Cancellation = hard.Token;
        // A hard stop is also a stop to taking blocks, whichever way it came (the caller's token, the grace running out).
        using var stopTaking = stopTakingSource = CancellationTokenSource.CreateLinkedTokenSource(hard.Token);
        session.Start();
        lock (stateGate)
        {
            state.Sessions++;
            dir.WriteState(state);
        }
        using var stateWriter = writer = new StateWriter(dir, () => { lock (stateGate) return Json.Write(state); });

        var threads = new List<Thread>();
        int id = 0;
        foreach (var lane in lanes)
        {
            int count = lane.Name == "main" ? options.Workers : 1;
            for (int i = 0; i < count; i++)
            {
                int worker = id++;
                var t = new Thread(() => Work(worker, lane, stopTaking.Token, hard.Token)) { IsBackground = true, Name = $"campaign-{lane.Name}-{i}" };
                threads.Add(t);
                t.Start();
            }
        }

        var lastSample = TimeSpan.Zero;
        Sample();
        bool graceStarted = false;
        var graceStart = TimeSpan.Zero;
        while (threads.Any(t => t.IsAlive))
        {
            Thread.Sleep(200);
            if (!graceStarted && session.Elapsed >= options.Budget) { graceStarted = true; graceStart = session.Elapsed; stopTaking.Cancel(); }
            if (graceStarted && session.Elapsed - graceStart >= options.Grace) hard.Cancel();
            // Every second for the first minute, so short runs still draw lines; then every SampleEvery.
            var every = session.Elapsed < TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : options.SampleEvery;
            if (session.Elapsed - lastSample >= every) { lastSample = session.Elapsed; Sample(); }
            progress?.Invoke(Snapshot());
            // After a hard stop, a worker stuck in a call that ignores cancellation is left behind (threads are background ones).
            if (hard.IsCancellationRequested && threads.All(t => !t.IsAlive || t.Join(StopWait))) break;
            if (hard.IsCancellationRequested)
            {
                string doing;
                lock (activity) doing = string.Join("; ", activity.Values);
                lock (problems) problems.Add($"a worker did not stop within {StopWait.TotalSeconds} s of the stop and was left behind (doing: {doing})");
                break;
            }
        }
        session.Stop();
        lock (stateGate) state.Seconds = baseSeconds + session.Elapsed.TotalSeconds;
        stateWriter.Flush();
        Sample();
        var final = Snapshot();
        progress?.Invoke(final);
        bool complete = lanes.All(l => l.Finished) && store.PendingShrink().Count == 0;
        bool interrupted = cancel.IsCancellationRequested || stopAfterBlocks is not null && hard.IsCancellationRequested && !complete;
        return new SessionOutcome(complete, interrupted, session.Elapsed, final, Problems());
    }

    IReadOnlyList<string> Problems() { lock (problems) return problems.ToList(); }

    void Work(int worker, Lane lane, CancellationToken stopTaking, CancellationToken hard)
    {
        var suite = lane.NewSuite();
        try
        {
            while (!stopTaking.IsCancellationRequested) // linked to hard: either ends the loop
            {
                if (NextPending(lane) is { } pending) { ShrinkPending(worker, lane, suite, pending, hard); continue; }
                if (lane.Claim() is not { } block) break;
                RunBlock(worker, lane, suite, block, hard);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            lock (problems) problems.Add($"worker {worker} ({lane.Name}) stopped: {e.GetType().Name}: {e.Message}");
        }
        finally { SetActivity(worker, null); }
    }

    /// <summary>The next finding of this lane that an earlier session saved but did not shrink, taken off the list.</summary>
    FindingRecord? NextPending(Lane lane)
    {
        lock (pendingShrink)
        {
            int i = pendingShrink.FindIndex(r => r.Lane == lane.Name);
            if (i < 0) return null;
            var rec = pendingShrink[i];
            pendingShrink.RemoveAt(i);
            return rec;
        }
    }

    void RunBlock(int worker, Lane lane, Suite suite, long block, CancellationToken hard)
    {
        var (first, count) = lane.Blocks.Seeds(block);
        SetActivity(worker, $"{lane.Name}: block {block} (seeds {first}–{first + count - 1})");
        var coverage = new Coverage();
        var seeds = Enumerable.Range(0, count).Select(i => first + i).ToList();
        // One model run per seed realises, checks the invariants and counts coverage; a kernel of the generator's
        // profile (QEMU 6.12) is compared with that run's observations instead of a second model run.
        bool observe = lane.Judge?.Profile == KernelProfile.Linux612;
        var runs = seeds.Select(s => Schedule.Pass(config, s, coverage, mutations, lane.ChecksInvariants, observe)).ToList();
        var traces = runs.Select(r => r.Trace).ToList();
        var found = suite.Check(runs);
        if (hard.IsCancellationRequested) { lane.Release(block); return; }

        var calls = new Dictionary<string, long>();
        var counts = new Dictionary<string, long>();
        for (int i = 0; i < traces.Count; i++)
        {
            long n = traces[i].Calls.Count;
            var f = found[i];
            string? judge = f?.Judge;
            if (lane.ChecksInvariants) Add(calls, "model", n);
            if (lane.Judge is not null && judge != "model") Add(calls, lane.Kernel, n);
            if (f is null) continue;
            string signature = CampaignSignature.Of(f);
            Add(counts, signature, 1);
            if (stopAtFirst && store.Count > 0) continue; // only counted: the session stops at its first finding
            var rec = store.Claim(signature, judge!, lane.Name, f, traces[i], (int)seeds[i], lane.ProfileOf(judge!), CampaignSeconds());
            if (rec is null) continue;
            lock (newFindings) newFindings.Add(signature);
            SetActivity(worker, $"{lane.Name}: shrinking {signature} (seed {seeds[i]}, {traces[i].Calls.Count} calls)");
            var (shrunk, cut) = shrinkFindings ? Shrink(lane, traces[i], f, suite, hard) : (new Shrinker.Result(traces[i], f, 0, 0), null);
            if (hard.IsCancellationRequested) { lane.Release(block); return; } // saved unshrunk; shrunk on --resume
            store.SaveShrunk(rec, shrunk, lane.ProfileOf(judge!), cut);
            lock (sessionFindings) sessionFindings.Add(new SessionFinding(rec, f, traces[i], shrunk, lane.ProfileOf(judge!)));
            if (stopAtFirst) stopTakingSource!.Cancel();
        }

        lock (stateGate)
        {
            lane.Complete(block);
            state.Done[lane.Name] = lane.Done.Snapshot();
            Add(state.Traces, lane.Name, traces.Count);
            foreach (var (k, v) in calls) { Add(state.JudgeCalls, k, v); Add(sessionJudgeCalls, k, v); }
            foreach (var (k, v) in coverage.Counts) Add(state.Coverage, k, v);
            foreach (var (k, v) in counts) Add(state.FindingCounts, k, v);
            sessionTraces += traces.Count;
            state.Seconds = CampaignSeconds();
            if (++sessionBlocks >= stopAfterBlocks) hardStop!.Cancel();
        }
        writer!.Changed();
    }

    void ShrinkPending(int worker, Lane lane, Suite suite, FindingRecord rec, CancellationToken hard)
    {
        SetActivity(worker, $"{lane.Name}: shrinking {rec.Signature} (saved by an earlier session)");
        var trace = store.ReadOriginal(rec);
        var f = suite.Check(trace);
        if (hard.IsCancellationRequested) return;
        if (f is null || CampaignSignature.Of(f) != rec.Signature)
        {
            lock (problems) problems.Add($"{rec.Signature}: its saved trace (seed {rec.Seed}) no longer shows it, so it stays unshrunk " +
                                         $"(now: {(f is null ? "no finding" : CampaignSignature.Of(f))})");
            return;
        }
        var (shrunk, cut) = Shrink(lane, trace, f, suite, hard);
        if (hard.IsCancellationRequested) return;
        store.SaveShrunk(rec, shrunk, lane.ProfileOf(rec.Judge), cut);
    }

    /// <summary>Shrinks within the shrink budget; says whether the budget cut it short.</summary>
    (Shrinker.Result Result, TimeSpan? Cut) Shrink(Lane lane, AnonVma.Model.Trace trace, Finding f, Suite suite, CancellationToken hard)
    {
        using var budgetOver = CancellationTokenSource.CreateLinkedTokenSource(hard);
        budgetOver.CancelAfter(shrinkBudget);
        TimeSpan? Cut() => budgetOver.IsCancellationRequested && !hard.IsCancellationRequested ? shrinkBudget : null;

        // A QEMU round costs a boot; when this machine's kernel shows the same difference, shrink there and confirm once.
        if (lane.ShrinkStandIn?.Invoke() is { } standIn && standIn.Check(trace) is { } there && there.Check == f.Check && there.CallKind == f.CallKind)
        {
            var quick = Shrinker.Shrink(trace, there, standIn, cancel: budgetOver.Token, maxBatch: 256);
            if (hard.IsCancellationRequested) return (quick, null);
            if (suite.Check(quick.Trace) is { } confirmed && confirmed.Key == f.Key)
                return (new Shrinker.Result(quick.Trace, confirmed, quick.CandidatesRun + 1, quick.Rounds + 1) { Via = standIn.Name }, Cut());
        }
        var result = Shrinker.Shrink(trace, f, suite, cancel: budgetOver.Token, maxBatch: lane.Name == "qemu" ? 32 : 256);
        return (result, Cut());
    }

    double CampaignSeconds() => baseSeconds + session.Elapsed.TotalSeconds;

    void SetActivity(int worker, string? what)
    {
        lock (activity)
        {
            if (what is null) activity.Remove(worker); else activity[worker] = what;
        }
    }

    void Sample()
    {
        var gc = GC.GetGCMemoryInfo();
        using var self = Process.GetCurrentProcess();
        TimelineSample sample;
        lock (stateGate)
            sample = new TimelineSample(CampaignSeconds(), state.Sessions, state.Traces.Values.Sum(),
                new Dictionary<string, long>(state.JudgeCalls), CoverageByCategory(state.Coverage).ToDictionary(c => c.Category, c => c.Reached),
                store.Count, self.WorkingSet64 / 1048576.0, gc.HeapSizeBytes / 1048576.0);
        Timeline.Append(dir.TimelineFile, sample);
    }

    /// <summary>Per category, the labels reached (expected or not) and the expected ones.</summary>
    public static IReadOnlyList<(string Category, int Reached, int Expected)> CoverageByCategory(IReadOnlyDictionary<string, long> counts)
    {
        static string Cat(string label) => label.Split('/')[0];
        var expected = Coverage.Expected.GroupBy(Cat).ToDictionary(g => g.Key, g => g.Count());
        var reached = counts.Where(kv => kv.Value > 0).GroupBy(kv => Cat(kv.Key)).ToDictionary(g => g.Key, g => g.Count());
        return expected.Keys.Concat(reached.Keys).Distinct()
            .Select(c => (c, reached.GetValueOrDefault(c), expected.GetValueOrDefault(c))).ToList();
    }

    public CampaignProgress Snapshot()
    {
        lock (stateGate)
        {
            var seedsDone = lanes.ToDictionary(l => l.Name, l => l.SeedsDone);
            long? total = lanes[0].Blocks.ShardSeeds();
            List<string> act;
            lock (activity) act = activity.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
            List<string> news;
            lock (newFindings) news = newFindings.ToList();
            return new CampaignProgress(session.Elapsed, budget > session.Elapsed ? budget - session.Elapsed : TimeSpan.Zero, CampaignSeconds(),
                state.Traces.Values.Sum(), sessionTraces, seedsDone, total,
                new Dictionary<string, long>(state.JudgeCalls), new Dictionary<string, long>(sessionJudgeCalls),
                CoverageByCategory(state.Coverage), store.Count, state.FindingCounts.Values.Sum(), act, news);
        }
    }

    static void Add(Dictionary<string, long> d, string key, long n) => d[key] = d.GetValueOrDefault(key) + n;
}
