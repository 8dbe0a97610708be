using Stopwatch = System.Diagnostics.Stopwatch;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Traces.Generate;

namespace AnonVma.Fuzz;

/// <summary>
/// MAP_REFPAGE (seed 003) hunted by generated sequences: the posted patch's RSS accounting broken at exit, the seed's
/// own "Bad rss-counter" values found and shrunk, and the corrected accounting run for as long as asked
/// (docs/MAP-REFPAGE.md).
/// </summary>
public static class RefPageSearch
{
    /// <summary>MAP_REFPAGE mappings among the generated calls.</summary>
    public static readonly GeneratorSettings Settings = new() { RefPages = true };

    /// <summary>The same with mremap among the calls (for RefPageProperties.UnderMremap).</summary>
    public static readonly GeneratorSettings RemapSettings = Settings with { Remaps = true };

    /// <summary>How many generated traces each of RefPageProperties is hunted over, on each way of keeping the reference.</summary>
    public const long VariantTraces = 200_000;

    /// <summary>The 6.12 model with the posted patch, with its accounting corrected, or with the page taken at mmap.</summary>
    public static KernelProfile Profile(RefPageRules rules) => KernelProfile.Linux612.WithRefPage(rules);

    /// <summary>
    /// The seed's dmesg exactly: a process exits with MM_ANONPAGES at −2 and MM_SHMEMPAGES at +2, every other counter at 0
    /// ("BUG: Bad rss-counter state mm:… idx:1 val:-2" and "idx:3 val:2").
    /// </summary>
    public static readonly Invariant SeedsBadRssCounters = new(nameof(SeedsBadRssCounters), m =>
    {
        if (m.Last is not { Call: ExitCall exit }) return null;
        var rss = m.Processes[exit.Pid].Rss;
        return rss is [0, -2, 0, 2] ? new Violation(nameof(SeedsBadRssCounters), exit.Pid, "Bad rss-counter state idx:1 val:-2, idx:3 val:2", []) : null;
    }, m => m.Last is { Call: ExitCall });

    /// <summary>The first trace (seed order) that breaks the check, shrunk against it alone.</summary>
    /// <param name="Seed">Also how many traces ran: seeds run from 1.</param>
    public sealed record Hit(string Check, Trace Trace, Finding Finding, long Seed, int ShrunkFrom, TimeSpan ToFind);

    /// <summary>
    /// Seeds 1, 2, … until one breaks the check, <paramref name="maxTraces"/> have run, the budget is spent or the run is
    /// cancelled; null unless one broke it. <paramref name="ran"/> is how many seeds were tried, so that a caller can
    /// tell "holds on all of them" from "stopped early".
    /// </summary>
    public static Hit? Hunt(KernelProfile profile, Invariant check, long maxTraces, TimeSpan budget, out long ran, int length = 24,
        CancellationToken cancel = default, GeneratorSettings? settings = null)
    {
        var oracle = new CheckOracle(profile, [check]);
        var sw = Stopwatch.StartNew();
        ran = 0;
        for (long seed = 1; seed <= maxTraces && sw.Elapsed < budget && !cancel.IsCancellationRequested; seed++)
        {
            ran = seed;
            if (Generate(seed, length, profile, settings ?? Settings) is not { } trace || oracle.CheckOne(trace) is not { } f) continue;
            var found = sw.Elapsed;
            var shrunk = Shrinker.Shrink(trace, f, oracle, maxCandidates: 5_000, cancel);
            return new Hit(check.Name, shrunk.Trace, shrunk.Finding, seed, trace.Calls.Count, found);
        }
        return null;
    }

    /// <summary>
    /// A campaign on one profile: generated traces, every invariant after every call, for <paramref name="time"/> or
    /// until <paramref name="maxTraces"/> have run; the traces and calls run and the first finding, if any.
    /// </summary>
    public static (int Traces, long Calls, Finding? First, long Seed) Campaign(KernelProfile profile, TimeSpan time, long maxTraces = long.MaxValue,
        int length = 24, CancellationToken cancel = default)
    {
        var oracle = new CheckOracle(profile, Invariants.All);
        var sw = Stopwatch.StartNew();
        int traces = 0;
        long calls = 0;
        for (long seed = 1; traces < maxTraces && sw.Elapsed < time && !cancel.IsCancellationRequested; seed++)
        {
            if (Generate(seed, length, profile, Settings) is not { } trace) continue;
            traces++;
            calls += trace.Calls.Count;
            if (oracle.CheckOne(trace) is { } f) return (traces, calls, f, seed);
        }
        return (traces, calls, null, 0);
    }

    /// <summary>The seed's trace, or null when the model refuses one of its calls (a reference page the model does not follow).</summary>
    static Trace? Generate(long seed, int length, KernelProfile profile, GeneratorSettings settings)
    {
        try { return Realiser.Random(seed, length, profile, settings); }
        catch (TraceException) { return null; }
    }
}
