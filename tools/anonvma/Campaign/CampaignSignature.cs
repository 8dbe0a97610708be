using AnonVma.Fuzz;

namespace AnonVma.Campaign;

/// <summary>
/// What "the same finding" means across a campaign: the failing check (an invariant, or the kind of the first
/// difference), the failing call's kind, and the judge, since a difference from 6.18 and one from 6.12 are two facts.
/// The text is printed from the finding's typed key, never parsed back.
/// </summary>
public static class CampaignSignature
{
    /// <summary>"differs:smaps at munmap on native", as state.json and finding.json keep it.</summary>
    public static string Of(Finding f) => f.Key.ToString();

    /// <summary>"differs:smaps at munmap on native" → "differs-smaps-munmap-on-native", a directory name.</summary>
    public static string Slug(string signature) => FoundTraces.Slug(signature);
}
