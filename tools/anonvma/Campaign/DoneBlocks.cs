namespace AnonVma.Campaign;

/// <summary>
/// A set of completed block numbers kept as sorted inclusive ranges, which stays tiny because workers take blocks
/// nearly in order; it is what state.json stores per lane.
/// </summary>
public sealed class DoneBlocks
{
    readonly List<long[]> ranges = [];

    public DoneBlocks(IEnumerable<long[]>? ranges = null)
    {
        foreach (var r in ranges ?? [])
            for (long b = r[0]; b <= r[1]; b++) Add(b);
    }

    public IReadOnlyList<long[]> Ranges => ranges;

    public bool Contains(long block)
    {
        int i = Find(block);
        return i < ranges.Count && ranges[i][0] <= block;
    }

    public void Add(long block)
    {
        int i = Find(block); // first range whose end ≥ block
        if (i < ranges.Count && ranges[i][0] <= block) return;
        bool joinsLeft = i > 0 && ranges[i - 1][1] == block - 1;
        bool joinsRight = i < ranges.Count && ranges[i][0] == block + 1;
        if (joinsLeft && joinsRight) { ranges[i - 1][1] = ranges[i][1]; ranges.RemoveAt(i); }
        else if (joinsLeft) ranges[i - 1][1] = block;
        else if (joinsRight) ranges[i][0] = block;
        else ranges.Insert(i, [block, block]);
    }

    /// <summary>Index of the first range whose last block is at least `block`.</summary>
    int Find(long block)
    {
        int lo = 0, hi = ranges.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (ranges[mid][1] < block) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    public List<long[]> Snapshot() => ranges.Select(r => new[] { r[0], r[1] }).ToList();
}
