using AnonVma.Fuzz;

namespace AnonVma.Campaign;

/// <summary>
/// What "the same finding" means across a campaign: the failing check (an invariant, or the kind of the first
/// difference), the failing call's kind, and the judge, since a difference from 6.18 and one from 6.12 are two facts.
/// </summary>
public static class CampaignSignature
{
    /// <summary>"model" for the invariants and model crashes, otherwise the lane's kernel.</summary>
    public static string Judge(Finding f, string laneKernel) => f.Check.StartsWith("differs:", StringComparison.Ordinal) ? laneKernel : "model";

    public static string Of(Finding f, string laneKernel) => $"{f.Signature} on {Judge(f, laneKernel)}";

    /// <summary>"differs:smaps at munmap on native" → "differs-smaps-munmap-on-native", a directory name.</summary>
    public static string Slug(string signature) => FoundTraces.Slug(signature);
}
