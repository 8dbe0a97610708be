using System.Text.Json.Serialization;

namespace AnonVma.Campaign;

/// <summary>
/// What a campaign checks, fixed when its directory is created and read back on --resume, so a resumed or sharded
/// campaign realises exactly the same traces from the same seeds.
/// </summary>
public sealed record CampaignConfig
{
    /// <summary>The file format's version, which also fixes what a seed means; a directory of another format is refused, not misread.</summary>
    public int Version { get; init; } = CampaignDirectory.FormatVersion;
    /// <summary>"model", "native", "qemu", "gvisor", "qemu-user": the invariants always, then the kernels and re-implementations listed.</summary>
    public IReadOnlyList<string> Judges { get; init; } = ["model", "native", "qemu"];
    public int FirstSeed { get; init; } = 1;
    /// <summary>Seeds in the whole campaign (all shards together), or null for as many as the time allows.</summary>
    public long? Seeds { get; init; }
    public int ShardIndex { get; init; }
    public int ShardCount { get; init; } = 1;
    /// <summary>Seeds per unit of work of the model and native workers; a block is done only when its state is written.</summary>
    public int BlockSize { get; init; } = 64;
    /// <summary>
    /// Seeds per QEMU batch. A block of 64 (two of them 1,000-call traces) takes several seconds under TCG, so the lane
    /// still finishes blocks in a 2-minute campaign.
    /// </summary>
    public int QemuBlockSize { get; init; } = 64;
    /// <summary>A deliberately wrong model rule (Mutation name), to see findings happen; null for the real model.</summary>
    public string? Mutation { get; init; }
    /// <summary>Every how many seeds one is a long trace (see <see cref="Schedule"/>).</summary>
    public int LongEvery { get; init; } = 32;
    public int ShortLength { get; init; } = 24;
    public int LongLength { get; init; } = 1000;

    /// <summary>Seeds per block of a lane ("main" or "qemu").</summary>
    public int BlockSizeOf(string lane) => lane == "qemu" ? QemuBlockSize : BlockSize;

    [JsonIgnore] public bool Native => Judges.Contains("native");
    [JsonIgnore] public bool Qemu => Judges.Contains("qemu");
    /// <summary>The re-implementations judged against Linux, each on a lane of its own named after it.</summary>
    [JsonIgnore] public IEnumerable<string> Implementations => Judges.Where(j => AnonVma.Judges.ImplementationJudge.ByKey(j) is not null);

    /// <summary>"2/4" style, for people.</summary>
    [JsonIgnore] public string Shard => $"{ShardIndex}/{ShardCount}";
}
