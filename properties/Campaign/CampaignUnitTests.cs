using AnonVma.Campaign;
using AnonVma.Traces;

namespace AnonVma.Properties.Campaign;

/// <summary>The campaign's bookkeeping in small named cases: done-block ranges, seed blocks and shards, the schedule.</summary>
public class CampaignUnitTests
{
    [Fact]
    public void Done_blocks_merge_into_ranges_whatever_the_order()
    {
        var done = new DoneBlocks();
        foreach (var b in new long[] { 5, 3, 4, 0, 9, 1, 8, 2 }) done.Add(b);
        Assert.Equal([[0, 5], [8, 9]], done.Ranges.Select(r => r.ToArray()).ToArray());
        Assert.True(done.Contains(4));
        Assert.False(done.Contains(6));
        done.Add(7); done.Add(6);
        Assert.Equal([[0, 9]], done.Ranges.Select(r => r.ToArray()).ToArray());
        Assert.Equal(done.Ranges.Select(r => r.ToArray()), new DoneBlocks(done.Snapshot()).Ranges.Select(r => r.ToArray()));
    }

    [Theory]
    [InlineData(1, 1000, 64)]
    [InlineData(3, 1000, 64)]
    [InlineData(4, 130, 32)]
    [InlineData(7, 5, 64)]
    public void Shards_split_the_seeds_without_overlap_or_gap(int shards, int seeds, int blockSize)
    {
        var seen = new List<long>();
        for (int i = 0; i < shards; i++)
        {
            var config = new CampaignConfig { FirstSeed = 100, Seeds = seeds, ShardIndex = i, ShardCount = shards, BlockSize = blockSize };
            var blocks = new SeedBlocks(config, blockSize);
            long owned = 0;
            for (long k = 0; k < blocks.BlockCount; k++)
            {
                if (!blocks.InShard(k)) continue;
                var (first, count) = blocks.Seeds(k);
                owned += count;
                for (int s = 0; s < count; s++) seen.Add(first + s);
            }
            Assert.Equal(owned, blocks.ShardSeeds());
        }
        Assert.Equal(Enumerable.Range(100, seeds).Select(s => (long)s), seen.Order());
    }

    [Fact]
    public void The_schedule_gives_the_same_trace_for_the_same_seed_and_a_long_one_every_32nd()
    {
        var config = new CampaignConfig { FirstSeed = 1 };
        for (long seed = 1; seed <= 64; seed++)
        {
            var a = ScheduledTrace.Of(config, seed);
            var b = ScheduledTrace.Of(config, seed);
            Assert.Equal(TraceText.Print(TraceDocument.Of(a)), TraceText.Print(TraceDocument.Of(b)));
            bool isLong = seed is 32 or 64;
            Assert.Equal(isLong, Schedule.IsLong(config, seed));
            Assert.Equal(isLong ? config.LongLength : config.ShortLength, a.Calls.Count);
        }
        var longTrace = ScheduledTrace.Of(config, 32);
        Assert.True(longTrace.Calls.Count(c => c is AnonVma.Model.ForkCall) >= 2, "a long trace should fork several processes");
    }
}
