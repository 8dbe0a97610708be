namespace AnonVma.Campaign;

/// <summary>
/// How a lane's seeds are cut into blocks and dealt to shards: block k of a lane holds seeds
/// FirstSeed + k·size … FirstSeed + (k+1)·size − 1 (clipped to the campaign's seed count), and shard i of n takes
/// the blocks with k mod n = i, so shards never overlap and together cover every seed.
/// </summary>
public sealed class SeedBlocks(CampaignConfig config, int blockSize)
{
    /// <summary>Blocks in the whole campaign (all shards), or null when it is bounded only by time.</summary>
    public long? BlockCount => config.Seeds is { } n ? (n + blockSize - 1) / blockSize : null;

    public bool InShard(long block) => block % config.ShardCount == config.ShardIndex;

    /// <summary>The seeds of a block, first and count.</summary>
    public (long First, int Count) Seeds(long block)
    {
        long first = config.FirstSeed + block * blockSize;
        long end = first + blockSize;
        if (config.Seeds is { } n) end = Math.Min(end, config.FirstSeed + n);
        return (first, (int)Math.Max(0, end - first));
    }

    /// <summary>Seeds in done ranges of blocks ([first, last] each); only the campaign's last block can be short.</summary>
    public long SeedsIn(IEnumerable<long[]> ranges) =>
        ranges.Where(r => r is { Length: > 0 } && r[^1] >= r[0]).Sum(r => (r[^1] - r[0]) * blockSize + Seeds(r[^1]).Count);

    /// <summary>Seeds this shard owns in all, or null when unbounded.</summary>
    public long? ShardSeeds()
    {
        if (BlockCount is not { } blocks) return null;
        long total = 0;
        for (long k = config.ShardIndex; k < blocks; k += config.ShardCount) total += Seeds(k).Count;
        return total;
    }
}
