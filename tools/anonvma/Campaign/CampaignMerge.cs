using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// Combines shard directories of one campaign (same seeds, judges and schedule, different --shard i/n) into one
/// directory: done blocks unioned, counts and coverage summed, findings deduplicated by signature (the earliest
/// kept, counts added), timelines summed point by point. The result is itself a campaign directory: a report can be
/// drawn from it, and --resume on it fills in any blocks the shards left undone.
/// </summary>
public static class CampaignMerge
{
    public sealed record Result(CampaignDirectory Directory, IReadOnlyList<string> Warnings);

    public static Result Merge(IReadOnlyList<string> shardPaths, string outPath)
    {
        if (shardPaths.Count == 0) throw new CampaignFileException("merge needs at least one shard directory");
        var shards = shardPaths.Select(CampaignDirectory.Open).ToList();
        var configs = shards.Select(s => s.ReadConfig()).ToList();
        var first = configs[0];
        var warnings = new List<string>();
        for (int i = 1; i < shards.Count; i++)
            if (!SameSettings(configs[i] with { ShardIndex = first.ShardIndex }, first))
                throw new CampaignFileException($"{shards[i].ConfigFile}: not a shard of the same campaign as {shards[0].Path} " +
                                                "(seeds, judges, mutation, block sizes, schedule and shard count must all match)");
        var dupShard = configs.Select((c, i) => (c, i)).GroupBy(x => x.c.ShardIndex).FirstOrDefault(g => g.Count() > 1);
        if (dupShard is not null)
            throw new CampaignFileException($"shard {dupShard.Key}/{first.ShardCount} appears twice: {string.Join(" and ", dupShard.Select(x => shards[x.i].Path))}");
        var missing = Enumerable.Range(0, first.ShardCount).Except(configs.Select(c => c.ShardIndex)).ToList();
        if (missing.Count > 0)
            warnings.Add($"merged {shards.Count} of {first.ShardCount} shards; missing: {string.Join(", ", missing.Select(i => $"{i}/{first.ShardCount}"))}");

        var states = shards.Select(s => s.ReadState()).ToList();
        var merged = new CampaignState { Seconds = states.Max(s => s.Seconds), Sessions = states.Sum(s => s.Sessions), MergedShards = shards.Count };
        foreach (var lane in states.SelectMany(s => s.Done.Keys).Distinct())
            merged.Done[lane] = new DoneBlocks(states.SelectMany(s => s.Done.GetValueOrDefault(lane) ?? [])).Snapshot();
        foreach (var s in states) merged.Add(s);

        if (shards.Any(s => s.Path == Path.GetFullPath(outPath))) throw new CampaignFileException($"{outPath}: the merged directory must be a new one, not a shard");
        var config = first with { ShardIndex = 0, ShardCount = 1 };
        var outDir = CampaignDirectory.Create(outPath, config);
        outDir.WriteState(merged);

        // Findings: the earliest of each signature, its files copied as they are.
        var chosen = shards.Select(s => new FindingStore(s.FindingsDir)).SelectMany(store => store.All.Select(r => (Rec: r, From: store.DirectoryOf(r))))
            .GroupBy(x => x.Rec.Signature).Select(g => g.MinBy(x => x.Rec.FoundAtSeconds));
        var names = new HashSet<string>();
        foreach (var (rec, from) in chosen.OrderBy(x => x.Rec.FoundAtSeconds))
        {
            string name = rec.Directory;
            for (int n = 2; !names.Add(name); n++) name = $"{rec.Directory}-{n}";
            string to = Path.Combine(outDir.FindingsDir, name);
            Directory.CreateDirectory(to);
            foreach (var file in Directory.EnumerateFiles(from))
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            if (name != rec.Directory) AtomicFile.Write(Path.Combine(to, "finding.json"), Json.Write(rec with { Directory = name }));
        }

        foreach (var sample in MergeTimelines(shards.Select(s => Timeline.Read(s.TimelineFile)).ToList()))
            Timeline.Append(outDir.TimelineFile, sample);
        return new Result(outDir, warnings);
    }

    static bool SameSettings(CampaignConfig a, CampaignConfig b) =>
        a.Judges.SequenceEqual(b.Judges) && a with { Judges = b.Judges } == b;

    /// <summary>
    /// Shards run side by side, each with its own clock from zero: at every sample time of any shard, the merged
    /// point sums each shard's latest counts, takes the most labels any shard reached per category (a lower bound of
    /// their union) and the largest memory (each shard is its own machine).
    /// </summary>
    public static IEnumerable<TimelineSample> MergeTimelines(IReadOnlyList<List<TimelineSample>> timelines)
    {
        var sorted = timelines.Select(t => t.OrderBy(s => s.Seconds).ToList()).ToList();
        var next = new int[sorted.Count];
        var latest = new TimelineSample?[sorted.Count];
        foreach (var t in sorted.SelectMany(tl => tl.Select(s => s.Seconds)).Distinct().Order())
        {
            for (int i = 0; i < sorted.Count; i++)
                while (next[i] < sorted[i].Count && sorted[i][next[i]].Seconds <= t) latest[i] = sorted[i][next[i]++];
            var now = latest.Where(s => s is not null).Select(s => s!).ToList();
            var calls = new Dictionary<string, long>();
            var coverage = new Dictionary<string, int>();
            foreach (var s in now)
            {
                foreach (var (k, v) in s.JudgeCalls) calls[k] = calls.GetValueOrDefault(k) + v;
                foreach (var (k, v) in s.Coverage) coverage[k] = Math.Max(coverage.GetValueOrDefault(k), v);
            }
            yield return new TimelineSample(t, 1, now.Sum(s => s.Traces), calls, coverage, now.Max(s => s.Findings),
                now.Max(s => s.WorkingSetMiB), now.Max(s => s.GcHeapMiB));
        }
    }
}
