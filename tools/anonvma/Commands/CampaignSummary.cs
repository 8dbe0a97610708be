using AnonVma.Campaign;

namespace AnonVma.Cli;

/// <summary>What a campaign session prints when it ends: how much it did, what it found and where everything is.</summary>
static class CampaignSummary
{
    public static void Print(TextWriter o, Colour c, CampaignDirectory dir, CampaignRunner runner, SessionOutcome outcome, string report)
    {
        var p = outcome.Final;
        o.WriteLine();
        o.WriteLine(outcome.Interrupted ? c.Yellow($"interrupted after {CampaignDisplay.Clock(outcome.Elapsed)}") :
                    outcome.Complete ? c.Green($"campaign complete after {CampaignDisplay.Clock(outcome.Elapsed)} this session") :
                    $"session done after {CampaignDisplay.Clock(outcome.Elapsed)}");
        o.WriteLine($"seeds: {CampaignDisplay.Seeds(p)}   traces: {p.Traces:N0} ({p.SessionTraces:N0} this session)   campaign time: {CampaignDisplay.Clock(TimeSpan.FromSeconds(p.CampaignSeconds))}");
        foreach (var (judge, calls) in p.JudgeCalls.OrderBy(kv => PlainDisplay.Order(kv.Key)))
            o.WriteLine($"  {judge,-7} {calls,14:N0} calls   {p.SessionJudgeCalls.GetValueOrDefault(judge) / Math.Max(outcome.Elapsed.TotalSeconds, 1e-9),10:N0} calls/s this session");
        var missing = p.Coverage.Where(x => x.Expected > 0 && x.Reached < x.Expected).Select(x => $"{x.Category} {x.Reached}/{x.Expected}").ToList();
        o.WriteLine($"coverage: {p.Coverage.Sum(x => x.Reached)} labels reached{(missing.Count > 0 ? c.Yellow($"; below expected: {string.Join(", ", missing)}") : "")}");

        var state = dir.ReadState();
        var store = runner.Findings;
        o.WriteLine(p.Findings == 0 ? $"findings: {c.Green("none")}" : $"findings: {c.Red(p.Findings.ToString())}");
        foreach (var r in store.All)
        {
            bool shrunk = File.Exists(store.ShrunkPath(r));
            o.WriteLine($"  {c.Bold(r.Signature)}  x{Math.Max(1, state.FindingCounts.GetValueOrDefault(r.Signature)):N0}, first seed {r.Seed}, " +
                        (shrunk ? "shrunk" : c.Yellow("not shrunk yet (--resume shrinks it)")));
            o.WriteLine($"     {Shown.Path(shrunk ? store.ShrunkPath(r) : store.OriginalPath(r))}" +
                        (File.Exists(store.ReproducerPath(r)) ? $"   {Shown.Path(store.ReproducerPath(r))}" : ""));
        }
        o.WriteLine($"report: {Shown.Path(report)}   summary: {Shown.Path(dir.SummaryFile)}");
        if (!outcome.Complete)
            o.WriteLine($"continue with: dotnet run -c Release --project tools/anonvma -- campaign --resume {Shown.Path(dir.Path)}");
    }
}
