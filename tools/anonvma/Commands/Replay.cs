using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>What a replay found: every judge's run, where pairs of them differ, and unmet expectations and invariants.</summary>
public sealed record Replay(string Path, TraceDocument Document, IReadOnlyList<IJudge> Judges, IReadOnlyList<TraceRun> Runs)
{
    public Trace Trace => Document.Trace;

    /// <summary>Every call where a compared pair differs (CallIndex -1: only in how the runs ended), per pair.</summary>
    public List<(IJudge Left, IJudge Right, List<Disagreement> Differences)> Pairs { get; } = new();

    /// <summary>Per judge whose profile the file names: null when its expectations hold, else the first that does not.</summary>
    public List<(IJudge Judge, string? Mismatch)> Expectations { get; } = new();

    /// <summary>Why expectations were not checked, when they were not.</summary>
    public string? ExpectationsSkipped { get; private set; }

    /// <summary>The invariant check per model profile: null when every invariant held after every call.</summary>
    public List<(string Oracle, Finding? Finding)> Invariants { get; } = new();

    /// <summary>With --repeat: each kernel's runs grouped into distinct outcomes (its first run is also in <see cref="Runs"/>).</summary>
    public List<Repetition> Repetitions { get; } = new();

    public bool AllWell =>
        Pairs.All(p => p.Differences.Count == 0) && Expectations.All(e => e.Mismatch is null) &&
        Invariants.All(i => i.Finding is null) && Runs.All(r => r.End != RunEnd.Crash) &&
        Repetitions.All(r => r.Outcomes.All(o => o.FromPartner is null));

    public TraceRun RunOf(IJudge judge) => Runs[Judges.ToList().IndexOf(judge)];

    /// <summary>Compares each pair call by call, as Comparison.FirstDifference compares one step, then how the runs ended.</summary>
    public void Compare(IEnumerable<(IJudge Left, IJudge Right)> pairs)
    {
        foreach (var (l, r) in pairs)
        {
            var (a, b) = (RunOf(l), RunOf(r));
            var found = new List<Disagreement>();
            for (int i = 0; i < Math.Min(a.Steps.Count, b.Steps.Count); i++)
                if (Comparison.FirstDifference(Trace, l.Name, Only(a, i), r.Name, Only(b, i)) is { } d)
                    found.Add(d with { CallIndex = i });
            if (a.End != b.End || a.Steps.Count != b.Steps.Count)
                found.Add(new Disagreement(Trace, l.Name, r.Name, -1, "the runs end differently", Comparison.Ended(a), Comparison.Ended(b)));
            Pairs.Add((l, r, found));
        }
    }

    static TraceRun Only(TraceRun run, int i) => run with { End = RunEnd.Completed, Steps = [run.Steps[i]] };

    /// <summary>The file's expectations against each judge whose profile the header names, or every judge without a header.</summary>
    public void CheckExpectations()
    {
        if (Document.Expected.All(e => e is null)) { ExpectationsSkipped = "none in the file"; return; }
        string? profile = Document.Get("profile");
        var matching = Judges.Where(j => profile is null || JudgeNames.Matches(j.Profile, profile)).ToList();
        if (matching.Count == 0)
        {
            ExpectationsSkipped = $"not checked: they are for {profile}, and no judge here runs that profile";
            return;
        }
        foreach (var j in matching) Expectations.Add((j, AnonVma.Judges.Expectations.FirstMismatch(Document, RunOf(j))));
    }

    /// <summary>
    /// Groups each repeated judge's runs by everything a comparison reads (<see cref="Comparison.Observed"/>), the
    /// most common outcome first; compares each outcome with the judge's partner in the pairs (the model) and with
    /// the most common outcome; and, where the file's expectations were checked on the judge's first run, checks
    /// them on every outcome instead, keeping the first that fails.
    /// </summary>
    public void GroupRepeats(IReadOnlyList<(IJudge Judge, IReadOnlyList<TraceRun> Runs)> repeated, IEnumerable<(IJudge Left, IJudge Right)> pairs)
    {
        var partners = pairs.ToList();
        foreach (var (judge, runs) in repeated)
        {
            var partner = partners.Where(p => p.Right == judge).Select(p => p.Left).FirstOrDefault();
            var groups = runs.Select((run, k) => (Key: Comparison.Observed(run), Run: run, Number: k + 1))
                .GroupBy(x => x.Key)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.First().Number)
                .Select(g => (g.First().Run, Numbers: g.Select(x => x.Number).ToList()))
                .ToList();
            var outcomes = groups.Select((g, k) => new Outcome(g.Run, g.Numbers,
                partner is null ? null : Comparison.FirstDifference(Trace, partner.Name, RunOf(partner), $"outcome {k + 1}", g.Run),
                k == 0 ? null : Comparison.FirstDifference(Trace, "outcome 1", groups[0].Run, $"outcome {k + 1}", g.Run))).ToList();
            Repetitions.Add(new Repetition(judge, runs.Count, partner, outcomes));

            int e = Expectations.FindIndex(x => x.Judge == judge);
            if (e < 0) continue;
            string? mismatch = null;
            for (int k = 0; k < outcomes.Count && mismatch is null; k++)
                if (AnonVma.Judges.Expectations.FirstMismatch(Document, outcomes[k].Run) is { } why)
                {
                    var lines = why.Split('\n');
                    lines[0] += $" (outcome {k + 1}: {outcomes[k].RunNumbers.Count} of {runs.Count} runs)";
                    mismatch = string.Join('\n', lines);
                }
            Expectations[e] = (judge, mismatch);
        }
    }

    public void CheckInvariants(IReadOnlyList<KernelProfile> profiles, Mutations? mutations) =>
        Invariants.AddRange(profiles.Select(p => new InvariantOracle(p, mutations)).Select(o => (o.Name, o.CheckOne(Trace))));
}

/// <summary>
/// One distinct outcome of a judge's repeated runs: what it observed, which runs (from 1) observed it, and where it
/// first differs from the judge's compared partner (the model) and from its most common outcome (null: it does not).
/// </summary>
public sealed record Outcome(TraceRun Run, IReadOnlyList<int> RunNumbers, Disagreement? FromPartner, Disagreement? FromMost);

/// <summary>A judge's --repeat runs: how many, the partner its outcomes were compared with, and the distinct outcomes, most common first.</summary>
public sealed record Repetition(IJudge Judge, int Runs, IJudge? Partner, IReadOnlyList<Outcome> Outcomes);
