using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Model;

namespace AnonVma.Campaign;

/// <summary>
/// Which trace a seed stands for. Most seeds give a short trace (24 calls in an 8-page arena, where calls collide
/// and merges and splits are dense); one seed in every LongEvery (the last of each group) gives a long trace of
/// 1,000 calls in a 32-page arena with up to 6 processes and 8-page ranges, where state builds up: many VMAs, names
/// shared across forks, memfds mapped several times. The schedule depends only on the seed and the config (the draws
/// are the project's own PCG32, not System.Random), so a resumed or sharded campaign checks the very same traces, on
/// any .NET version; the campaign format (CampaignDirectory.FormatVersion) marks this meaning of a seed (3: the call table's weights).
/// </summary>
public static class Schedule
{
    /// <summary>The long traces' generator settings: a bigger arena so state accumulates rather than being overwritten.</summary>
    public static readonly GeneratorSettings LongSettings = new() { ArenaPages = 32, MaxRangePages = 8, MaxProcesses = 6, MaxFiles = 4 };

    public static bool IsLong(CampaignConfig config, long seed) =>
        config.LongEvery > 0 && (seed - config.FirstSeed) % config.LongEvery == config.LongEvery - 1;

    /// <summary>
    /// The trace for a seed ("gen-SEED" or "long-SEED"), realised in one model run that also checks the invariants (on
    /// a mutated twin when the campaign has a mutation) and, when asked, records the model's observations for a kernel
    /// of the generator's profile.
    /// </summary>
    public static GeneratedTrace Pass(CampaignConfig config, long seed, Coverage? coverage, Mutations? mutations, bool checkInvariants, bool observe)
    {
        int s = checked((int)seed);
        bool isLong = IsLong(config, seed);
        var settings = isLong ? LongSettings : GeneratorSettings.Default;
        int length = isLong ? config.LongLength : config.ShortLength;
        return OnePass.Run(isLong ? $"long-{seed}" : $"gen-{seed}", r => Realiser.Random(s, length, r), KernelProfile.Linux612, settings, coverage,
            mutations, checkInvariants, observe);
    }
}
