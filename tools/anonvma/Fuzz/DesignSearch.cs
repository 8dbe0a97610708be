using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Traces;
using AnonVma.Traces.Generate;

namespace AnonVma.Fuzz;

/// <summary>
/// The naming designs side by side on the same generated sequences: which name property or invariant each design
/// breaks, each with its shrunk counterexample, and what the names cost (docs/NAMING-DESIGNS.md).
/// </summary>
public static class DesignSearch
{
    /// <summary>Names in memory, so that the user-pointer design has something to read.</summary>
    public static readonly GeneratorSettings Settings = new() { NamesInMemory = true };

    /// <summary>The checks every design runs: the name properties, then the model's invariants.</summary>
    public static IReadOnlyList<Invariant> Checks { get; } = [.. NameProperties.All, .. Invariants.All];

    /// <summary>One check a design broke: the shrunk trace, the seed whose trace broke it first, and that trace's length.</summary>
    public sealed record Counterexample(string Check, Trace Trace, Finding Finding, long Seed, int ShrunkFrom);

    /// <summary>One design's run: the checks it broke (in <see cref="Checks"/> order) and the names' costs over every trace.</summary>
    public sealed record Result(NamingDesign Design, KernelProfile Profile, IReadOnlyList<Counterexample> Broken, NameCounts Counts, int Traces, long Calls);

    /// <summary>
    /// Seeds 1 to <paramref name="traces"/>, each a trace of <paramref name="length"/> calls realised on mainline's
    /// model (so every design runs the very same traces); the first trace that breaks each check is shrunk against that
    /// check alone.
    /// </summary>
    public static Result Run(NamingDesign design, int traces, int length, KernelProfile? kernel = null, CancellationToken cancel = default)
    {
        kernel ??= KernelProfile.Linux612;
        var profile = kernel.WithNaming(design);
        var counts = new NameCounts();
        var first = new Dictionary<string, (Trace Trace, Finding Finding, long Seed)>();
        long calls = 0;
        for (long seed = 1; seed <= traces && !cancel.IsCancellationRequested; seed++)
        {
            var trace = Realiser.Random(seed, length, kernel, Settings);
            var model = new LinuxModel(profile) { TracksMergeSites = true };
            for (int i = 0; i < trace.Calls.Count; i++)
            {
                try { model.Apply(trace.Calls[i]); }
                catch (TraceException) { break; }
                calls++;
                foreach (var c in Checks)
                    if (!first.ContainsKey(c.Name) && c.Check(model) is not null &&
                        new CheckOracle(profile, [c]).CheckOne(trace) is { } f)
                        first[c.Name] = (trace, f, seed);
            }
            counts.Add(model.NameCounts);
        }
        var broken = Checks.Where(c => first.ContainsKey(c.Name)).Select(c =>
        {
            var (trace, finding, seed) = first[c.Name];
            var shrunk = Shrinker.Shrink(trace, finding, new CheckOracle(profile, [c]), maxCandidates: 5_000, cancel);
            return new Counterexample(c.Name, shrunk.Trace, shrunk.Finding, seed, trace.Calls.Count);
        }).ToList();
        return new Result(design, profile, broken, counts, traces, calls);
    }

    /// <summary>Where a design's counterexamples are kept: traces/corpus/designs/DESIGN/CHECK.trace.</summary>
    public static string CorpusPath(string root, NamingDesign design, string check) =>
        Path.Combine(root, "traces", "corpus", "designs", design.Key(), check + ".trace");

    /// <summary>The counterexample as a trace file: its check, profile and seed in the header, the failing call explained.</summary>
    public static TraceDocument Document(Result r, Counterexample c) =>
        FoundTraces.Document(c.Trace, c.Finding, r.Profile.Name, (int)c.Seed).With("shrunk-from", $"{c.ShrunkFrom} calls");
}
