using AnonVma.Campaign;
using AnonVma.Model;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties;

/// <summary>
/// The trace the campaign schedule gives a seed, realised on its own (no invariants, no observations): the reference
/// that <see cref="Schedule.Pass"/>'s one model run is held to, and the traces tests recount findings on.
/// </summary>
static class ScheduledTrace
{
    public static Trace Of(CampaignConfig config, long seed, Coverage? coverage = null) =>
        Schedule.IsLong(config, seed)
            ? Realiser.Random(seed, config.LongLength, KernelProfile.Linux612, Schedule.LongSettings, coverage) with { Id = $"long-{seed}" }
            : Realiser.Random(seed, config.ShortLength, KernelProfile.Linux612, GeneratorSettings.Default, coverage);
}
