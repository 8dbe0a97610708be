using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces.Generate;

namespace AnonVma.Campaign;

/// <summary>A distinct finding claimed in a session: the trace that first showed it, its shrunk form, and how often it recurred.</summary>
/// <param name="Profile">The profile its judge ran, for the saved trace's header.</param>
public sealed record FoundBug(Finding Finding, Trace Original, int Seed, Shrinker.Result Shrunk, long Count, TimeSpan FoundAfter, string Profile);

/// <summary>What a temporary run did: how much, how fast, what it reached and what it found.</summary>
/// <param name="JudgeCalls">Calls checked per judge ("model", "native", "qemu").</param>
/// <param name="NamesAccepted">Names each kernel with naming accepted (<see cref="CampaignState.NamesAccepted"/>).</param>
public sealed record FuzzResult(long Traces, long Calls, TimeSpan Elapsed, Coverage Coverage, IReadOnlyList<FoundBug> Findings,
    IReadOnlyDictionary<string, long> JudgeCalls, IReadOnlyDictionary<string, long> NamesAccepted);

/// <summary>
/// A campaign in a temporary directory, one session, deleted afterwards: what `fuzz` and the mutation check run, so
/// that they and `campaign` share one loop (the runner, its one-pass blocks, its deduplication and shrinking).
/// </summary>
public static class TemporaryCampaign
{
    /// <param name="started">Called once the runner exists, before the session starts (e.g. to print what it checks).</param>
    public static FuzzResult Run(CampaignConfig config, SessionOptions options, Func<string, IJudge> kernel,
                                 Action<CampaignRunner>? started = null, Action<CampaignProgress>? progress = null, CancellationToken cancel = default)
    {
        string path = Directory.CreateTempSubdirectory("anonvma-run-").FullName;
        try
        {
            var dir = CampaignDirectory.Create(path, config);
            var runner = new CampaignRunner(dir, kernel);
            started?.Invoke(runner);
            var outcome = runner.Run(options, progress, cancel);
            if (outcome.Problems.FirstOrDefault(p => p.StartsWith("worker", StringComparison.Ordinal)) is { } problem)
                throw new InvalidOperationException(problem);
            var state = dir.ReadState();
            var coverage = new Coverage();
            foreach (var (label, n) in state.Coverage) coverage.Hit(label, n);
            var bugs = runner.SessionFindings.Select(b => b with { Count = Math.Max(1, state.FindingCounts.GetValueOrDefault(b.Finding.Key.ToString())) }).ToList();
            return new FuzzResult(state.Traces.GetValueOrDefault("main"), state.JudgeCalls.GetValueOrDefault("model"), outcome.Elapsed, coverage, bugs,
                state.JudgeCalls, state.NamesAccepted);
        }
        finally
        {
            try { Directory.Delete(path, recursive: true); }
            catch (IOException) { } // a worker left behind may still hold a file; the directory is temporary
        }
    }
}
