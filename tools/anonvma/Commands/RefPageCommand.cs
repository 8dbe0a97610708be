using System.CommandLine;
using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// `refpage`: MAP_REFPAGE (seed 003) on the model: the posted patch's RSS accounting broken at exit, found and shrunk
/// from generated sequences; the seed's own "Bad rss-counter" values found and shrunk; and a campaign on the corrected
/// accounting (docs/MAP-REFPAGE.md).
/// </summary>
public sealed class RefPageCommand : CliCommand
{
    readonly Option<TimeSpan?> time = TypedOption.Duration("--time", "how long the campaign on the corrected accounting runs (default 60s)");
    readonly Option<bool> save = TypedOption.Flag("--save", "write the shrunk traces to traces/corpus/refpage/CHECK.trace");

    public RefPageCommand() : base("refpage", "find MAP_REFPAGE's Bad rss-counter bug from generated sequences, shrink it, and run the corrected accounting")
        => Add(time, save);

    public override int Run(ParseResult args, CliContext context)
    {
        var o = context.Out;
        var posted = RefPageSearch.Profile(RefPageRules.Posted);
        var atExit = Invariants.All.Single(i => i.Name == nameof(Invariants.RssZeroAtExit));
        var hits = new List<RefPageSearch.Hit>();
        foreach (var (check, budget) in new[] { (atExit, TimeSpan.FromSeconds(60)), (RefPageSearch.SeedsBadRssCounters, TimeSpan.FromSeconds(180)) })
        {
            var hit = RefPageSearch.Hunt(posted, check, long.MaxValue, budget, cancel: context.Cancel);
            if (hit is null) { o.WriteLine($"{check.Name} on {posted.Name}: not broken within {budget.TotalSeconds:F0} s"); continue; }
            hits.Add(hit);
            o.WriteLine($"{check.Name} on {posted.Name}: broken by seed {hit.Seed} ({hit.Seed:N0} traces, {hit.ToFind.TotalSeconds:F1} s), " +
                        $"shrunk from {hit.ShrunkFrom} to {hit.Trace.Calls.Count} calls: {hit.Finding.Message}");
            o.WriteLine(TraceText.Print(TraceDocument.Of(hit.Trace)));
        }
        var corrected = RefPageSearch.Profile(RefPageRules.Corrected);
        var span = args.GetValue(time) ?? TimeSpan.FromSeconds(60);
        var c = RefPageSearch.Campaign(corrected, span, cancel: context.Cancel);
        o.WriteLine(c.First is null
            ? $"{corrected.Name}: {c.Traces:N0} traces ({c.Calls:N0} calls) in {span.TotalSeconds:F0} s, every invariant after every call: nothing found"
            : $"{corrected.Name}: FOUND at seed {c.Seed}: {c.First}");
        if (args.GetValue(save))
        {
            foreach (var h in hits)
            {
                var path = Path.Combine(RepoPaths.Root, "traces", "corpus", "refpage", h.Check + ".trace");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                TraceText.Save(path, FoundTraces.Document(h.Trace, h.Finding, posted.Name, (int)h.Seed).With("shrunk-from", $"{h.ShrunkFrom} calls"));
            }
            o.WriteLine($"shrunk traces written under {Path.Combine("traces", "corpus", "refpage")}");
        }
        return c.First is null && hits.Count == 2 ? ExitCode.Ok : ExitCode.Differs;
    }
}
