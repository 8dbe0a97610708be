namespace AnonVma.Campaign;

/// <summary>
/// Everything a campaign has done so far, rewritten atomically (state.json) each time a block of seeds completes,
/// so a kill loses only the blocks in flight, and those are redone from their seeds on --resume.
/// </summary>
public sealed class CampaignState
{
    public int Version { get; set; } = CampaignDirectory.FormatVersion;
    /// <summary>Completed block numbers per lane ("main", "qemu"), as inclusive ranges [first, last].</summary>
    public Dictionary<string, List<long[]>> Done { get; set; } = new();
    /// <summary>Traces and calls checked per lane.</summary>
    public Dictionary<string, long> Traces { get; set; } = new();
    /// <summary>Calls each judge checked: "model" (invariants), "native", "qemu".</summary>
    public Dictionary<string, long> JudgeCalls { get; set; } = new();
    /// <summary>Names a kernel with CONFIG_ANON_VMA_NAME accepted, per judge: prctl naming calls that returned 0 there (counted in traces it agreed on, where its results are the model's).</summary>
    public Dictionary<string, long> NamesAccepted { get; set; } = new();
    /// <summary>Coverage label counts (generators' Coverage), summed over every completed block.</summary>
    public Dictionary<string, long> Coverage { get; set; } = new();
    /// <summary>How many traces showed each finding signature, over every completed block.</summary>
    public Dictionary<string, long> FindingCounts { get; set; } = new();
    /// <summary>Campaign time so far, summed over sessions (each start or resume is a session).</summary>
    public double Seconds { get; set; }
    public int Sessions { get; set; }
    /// <summary>Per re-implementation judge, what probing found it does not implement (left out of its comparisons), e.g. "smaps field Pss_Dirty".</summary>
    public Dictionary<string, List<string>> NotImplemented { get; set; } = new();
    /// <summary>How many shard directories `merge` combined into this one (0 for a campaign run here).</summary>
    public int MergedShards { get; set; }

    /// <summary>Adds another's counts (not its done blocks, time or sessions): a block's into the campaign's, a shard's into a merge.</summary>
    public void Add(CampaignState other)
    {
        foreach (var (into, from) in new[] { (Traces, other.Traces), (JudgeCalls, other.JudgeCalls), (NamesAccepted, other.NamesAccepted),
                                             (Coverage, other.Coverage), (FindingCounts, other.FindingCounts) })
            foreach (var (k, v) in from) into[k] = into.GetValueOrDefault(k) + v;
        foreach (var (judge, missing) in other.NotImplemented)
            NotImplemented[judge] = [.. NotImplemented.GetValueOrDefault(judge, []).Union(missing).Order(StringComparer.Ordinal)];
    }
}
