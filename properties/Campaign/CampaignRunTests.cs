using AnonVma.Campaign;
using AnonVma.Judges;

namespace AnonVma.Properties.Campaign;

/// <summary>
/// Whole campaigns on the model (a mutated one, so findings are certain): they complete, count each failing trace
/// once, save each finding with its shrunk trace and reproducer, and give the same totals whether run straight
/// through, stopped and resumed, or split into shards and merged.
/// </summary>
public class CampaignRunTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), $"anonvma-campaign-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    static CampaignConfig Config(int seeds = 640, int shard = 0, int shards = 1) => new()
    {
        Judges = ["model"], Seeds = seeds, FirstSeed = 1, BlockSize = 32, Mutation = "SplitForgetsName", ShardIndex = shard, ShardCount = shards,
    };

    static readonly SessionOptions Long = new(TimeSpan.FromMinutes(5), 2, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1));

    static IJudge NoKernel(string name) => throw new InvalidOperationException($"this test runs the model only, not {name}");

    string Run(CampaignConfig config, string name)
    {
        var dir = CampaignDirectory.Create(Path.Combine(root, name), config);
        var outcome = new CampaignRunner(dir, NoKernel).Run(Long);
        Assert.True(outcome.Complete, $"the campaign should complete: {string.Join("; ", outcome.Problems)}");
        Assert.Empty(outcome.Problems);
        return dir.Path;
    }

    [Fact]
    public void A_bounded_campaign_completes_counts_every_failing_trace_once_and_saves_each_finding()
    {
        var dir = CampaignDirectory.Open(Run(Config(), "straight"));
        var state = dir.ReadState();
        Assert.Equal(640, state.Traces["main"]);
        Assert.Equal([[0, 19]], state.Done["main"].Select(r => r.ToArray()).ToArray());

        // Recount independently: every trace of the seed range through the same (mutated) invariants.
        var config = dir.ReadConfig();
        var oracle = new AnonVma.Fuzz.InvariantOracle(AnonVma.Model.KernelProfile.Linux612, new AnonVma.Model.Mutations(AnonVma.Model.Mutation.SplitForgetsName));
        var expected = Enumerable.Range(1, 640).Select(s => oracle.CheckOne(ScheduledTrace.Of(config, s))).Where(f => f is not null)
            .GroupBy(f => f!.Key.ToString()).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.NotEmpty(expected);
        Assert.Equal(expected.OrderBy(kv => kv.Key), state.FindingCounts.OrderBy(kv => kv.Key));

        var store = new FindingStore(dir.FindingsDir);
        Assert.Equal(expected.Keys.Order(), store.All.Select(r => r.Signature).Order());
        foreach (var r in store.All)
        {
            Assert.True(File.Exists(store.OriginalPath(r)), r.Signature);
            Assert.True(File.Exists(store.ReproducerPath(r)), r.Signature);
            var shrunk = AnonVma.Traces.TraceText.Load(store.ShrunkPath(r));
            Assert.True(shrunk.Trace.Calls.Count <= r.OriginalCalls);
            Assert.Equal(r.Signature, shrunk.Get("finding"));
        }
        Assert.True(AnonVma.Campaign.Timeline.Read(dir.TimelineFile).Count >= 2);
    }

    [Fact]
    public void The_state_is_written_once_a_tick_not_once_a_block()
    {
        // Blocks of one seed: a worker commits hundreds a second, and each must not cost an fsync and a rename.
        var dir = CampaignDirectory.Create(Path.Combine(root, "ticks"), Config(seeds: 320) with { BlockSize = 1 });
        var runner = new CampaignRunner(dir, NoKernel);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(runner.Run(Long).Complete);
        Assert.Equal(320, dir.ReadState().Traces["main"]);
        // One write as the session starts, at most one per 200 ms tick of the runner's loop, and one as it ends.
        Assert.InRange(runner.StateWrites, 2, (int)(clock.Elapsed / TimeSpan.FromMilliseconds(200)) + 2);
    }

    [Fact]
    public void Stopping_and_resuming_gives_the_same_totals_as_a_straight_run()
    {
        var straight = CampaignDirectory.Open(Run(Config(), "straight")).ReadState();

        var dir = CampaignDirectory.Create(Path.Combine(root, "stopped"), Config());
        int sessions = 0;
        while (true)
        {
            // Stop each session as Ctrl-C does, with the other worker's block in flight, after three more blocks.
            var outcome = new CampaignRunner(dir, NoKernel).Run(Long with { StopAfterBlocks = 3 });
            sessions++;
            Assert.True(outcome.Problems.Count == 0, string.Join("\n", outcome.Problems));
            if (outcome.Complete) break;
            Assert.True(outcome.Interrupted);
            Assert.True(sessions < 40, "the resumed campaign never completed");
        }
        Assert.True(sessions > 2, $"the test should have stopped the campaign several times, not {sessions}");
        var resumed = dir.ReadState();
        Assert.Equal(straight.Traces, resumed.Traces);
        Assert.Equal(straight.JudgeCalls, resumed.JudgeCalls);
        Assert.Equal(straight.FindingCounts.OrderBy(kv => kv.Key), resumed.FindingCounts.OrderBy(kv => kv.Key));
        Assert.Equal(straight.Coverage.OrderBy(kv => kv.Key), resumed.Coverage.OrderBy(kv => kv.Key));
        Assert.Equal(sessions, resumed.Sessions);
        Assert.Empty(new FindingStore(dir.FindingsDir).PendingShrink());
    }

    [Fact]
    public void A_finding_saved_but_not_shrunk_is_shrunk_by_the_next_session()
    {
        var dir = CampaignDirectory.Create(Path.Combine(root, "pending"), Config(seeds: 64));
        // What a kill during shrinking leaves: the finding's directory with its original trace, nothing else.
        var config = dir.ReadConfig();
        var oracle = new AnonVma.Fuzz.InvariantOracle(AnonVma.Model.KernelProfile.Linux612, new AnonVma.Model.Mutations(AnonVma.Model.Mutation.SplitForgetsName));
        var (seed, finding) = Enumerable.Range(1, 64).Select(s => (s, f: oracle.CheckOne(ScheduledTrace.Of(config, s)))).First(x => x.f is not null);
        var store = new FindingStore(dir.FindingsDir);
        var rec = store.Claim(finding!, "main", ScheduledTrace.Of(config, seed), seed, "linux-6.12", 0)!;
        Assert.Single(store.PendingShrink());

        var outcome = new CampaignRunner(dir, NoKernel).Run(Long);
        Assert.True(outcome.Complete);
        var after = new FindingStore(dir.FindingsDir);
        Assert.Empty(after.PendingShrink());
        Assert.True(File.Exists(after.ShrunkPath(rec)));
        Assert.True(File.Exists(after.ReproducerPath(rec)));
    }

    [Fact]
    public void Shards_merged_give_the_same_totals_and_findings_as_one_run()
    {
        var straight = CampaignDirectory.Open(Run(Config(), "straight"));
        var shards = Enumerable.Range(0, 3).Select(i => Run(Config(shard: i, shards: 3), $"shard{i}")).ToList();
        foreach (var s in shards) Assert.True(CampaignDirectory.Open(s).ReadState().Traces["main"] < 640);

        var merged = CampaignMerge.Merge(shards, Path.Combine(root, "merged"));
        Assert.Empty(merged.Warnings);
        var a = straight.ReadState();
        var b = merged.Directory.ReadState();
        Assert.Equal(a.Done["main"].Select(r => r.ToArray()), b.Done["main"].Select(r => r.ToArray()));
        Assert.Equal(a.Traces, b.Traces);
        Assert.Equal(a.FindingCounts.OrderBy(kv => kv.Key), b.FindingCounts.OrderBy(kv => kv.Key));
        Assert.Equal(a.Coverage.OrderBy(kv => kv.Key), b.Coverage.OrderBy(kv => kv.Key));
        Assert.Equal(3, b.MergedShards);
        Assert.Equal(new FindingStore(straight.FindingsDir).All.Select(r => r.Signature).Order(),
                     new FindingStore(merged.Directory.FindingsDir).All.Select(r => r.Signature).Order());
        Assert.NotEmpty(AnonVma.Campaign.Timeline.Read(merged.Directory.TimelineFile));

        // A missing shard is said, not hidden.
        var partial = CampaignMerge.Merge(shards.Take(2).ToList(), Path.Combine(root, "partial"));
        Assert.Contains("missing: 2/3", Assert.Single(partial.Warnings));
    }

    [Fact]
    public void Merging_directories_of_different_campaigns_is_refused()
    {
        var a = Run(Config(seeds: 64, shard: 0, shards: 2), "a");
        var b = Run(Config(seeds: 128, shard: 1, shards: 2), "b");
        var e = Assert.Throws<CampaignFileException>(() => CampaignMerge.Merge([a, b], Path.Combine(root, "m")));
        Assert.Contains("not a shard of the same campaign", e.Message);
        Assert.False(Directory.Exists(Path.Combine(root, "m")), "nothing is written when the merge is refused");
    }
}
