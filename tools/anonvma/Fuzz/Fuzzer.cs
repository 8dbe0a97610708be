using Stopwatch = System.Diagnostics.Stopwatch;
using AnonVma.Traces.Generate;
using AnonVma.Model;

namespace AnonVma.Fuzz;

/// <summary>A distinct finding of a run: the first trace that showed it, its shrunk form, and how often it recurred.</summary>
public sealed class FoundBug(Finding finding, Trace original, int seed, Shrinker.Result shrunk)
{
    public Finding Finding { get; } = finding;
    public Trace Original { get; } = original;
    public int Seed { get; } = seed;
    public Shrinker.Result Shrunk { get; } = shrunk;
    public int Count { get; set; } = 1;
    /// <summary>When it was first found, from the start of the run.</summary>
    public TimeSpan FoundAfter { get; init; }
}

/// <summary>A snapshot of a running campaign, for progress lines.</summary>
public sealed record FuzzProgress(int Traces, long Calls, TimeSpan Elapsed, TimeSpan Budget, int Findings);

/// <summary>What a run did: how much, how fast, what it reached and what it found.</summary>
public sealed record FuzzResult(int Traces, long Calls, TimeSpan Elapsed, Coverage Coverage, IReadOnlyList<FoundBug> Findings);

/// <summary>
/// A time-boxed generated campaign on one core: seeds in order, each realised into a trace by the choice generator,
/// checked by the suite in batches; each new finding signature is shrunk once, repeats are only counted.
/// </summary>
public sealed class Fuzzer(Suite suite)
{
    /// <summary>The profile the generator realises choices against (names work on linux-6.12, so it is the default).</summary>
    public KernelProfile GeneratorProfile { get; init; } = KernelProfile.Linux612;
    public GeneratorSettings Settings { get; init; } = GeneratorSettings.Default;
    /// <summary>Calls per trace.</summary>
    public int Length { get; init; } = 24;
    /// <summary>Traces per suite batch: a real kernel answers a batch for one executor start.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Stop at the first finding (mutation runs) rather than at the end of the budget.</summary>
    public bool StopAtFirstFinding { get; init; }
    /// <summary>Shrink each new finding (off when every candidate costs a QEMU boot and the time is better spent searching).</summary>
    public bool Shrink { get; init; } = true;

    public FuzzResult Run(int firstSeed, TimeSpan budget, int maxTraces = int.MaxValue, Action<FuzzProgress>? progress = null, CancellationToken cancel = default)
    {
        var sw = Stopwatch.StartNew();
        var coverage = new Coverage();
        var bugs = new Dictionary<string, FoundBug>();
        int traces = 0;
        long calls = 0;
        int seed = firstSeed;
        var lastProgress = TimeSpan.Zero;
        while (sw.Elapsed < budget && traces < maxTraces && !cancel.IsCancellationRequested)
        {
            int n = Math.Min(BatchSize, maxTraces - traces);
            var batch = new List<(int seed, Trace trace)>(n);
            for (int i = 0; i < n; i++, seed++)
                batch.Add((seed, Realiser.Random(seed, Length, GeneratorProfile, Settings, coverage)));
            var found = suite.Check(batch.Select(b => b.trace).ToList());
            traces += n;
            calls += batch.Sum(b => b.trace.Calls.Count);
            for (int i = 0; i < n; i++)
            {
                if (found[i] is not { } f) continue;
                if (bugs.TryGetValue(f.Signature, out var known)) { known.Count++; continue; }
                var foundAfter = sw.Elapsed;
                var shrunk = Shrink ? Shrinker.Shrink(batch[i].trace, f, suite) : new Shrinker.Result(batch[i].trace, f, 0, 0);
                bugs[f.Signature] = new FoundBug(f, batch[i].trace, batch[i].seed, shrunk) { FoundAfter = foundAfter };
                if (StopAtFirstFinding) return Done();
            }
            if (progress is not null && sw.Elapsed - lastProgress > TimeSpan.FromSeconds(1))
            {
                lastProgress = sw.Elapsed;
                progress(new FuzzProgress(traces, calls, sw.Elapsed, budget, bugs.Count));
            }
        }
        return Done();

        FuzzResult Done() => new(traces, calls, sw.Elapsed, coverage, bugs.Values.ToList());
    }
}
