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
/// accounting (docs/MAP-REFPAGE.md). The shrunk traces are replayed on Linux 6.12 with the patch ported, when its image
/// is built (tools/qemu/build-kernel.sh --variant refpage), the kernel's log beside the model's prediction.
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
            var hit = RefPageSearch.Hunt(posted, check, long.MaxValue, budget, out long ran, cancel: context.Cancel);
            if (hit is null) { o.WriteLine($"{check.Name} on {posted.Name}: not broken by {ran:N0} traces in {budget.TotalSeconds:F0} s"); continue; }
            hits.Add(hit);
            o.WriteLine($"{check.Name} on {posted.Name}: broken by seed {hit.Seed} ({hit.Seed:N0} traces, {hit.ToFind.TotalSeconds:F1} s), " +
                        $"shrunk from {hit.ShrunkFrom} to {hit.Trace.Calls.Count} calls: {hit.Finding.Message}");
            o.WriteLine(TraceText.Print(TraceDocument.Of(hit.Trace)));
        }
        bool agreed = Confirm(hits.Select(h => h.Trace).ToList(), o);
        var variants = Variants(o, context.Cancel);
        var corrected = RefPageSearch.Profile(RefPageRules.Corrected);
        var span = args.GetValue(time) ?? TimeSpan.FromSeconds(60);
        var c = RefPageSearch.Campaign(corrected, span, cancel: context.Cancel);
        o.WriteLine(c.First is null
            ? $"{corrected.Name}: {c.Traces:N0} traces ({c.Calls:N0} calls) in {span.TotalSeconds:F0} s, every invariant after every call: nothing found"
            : $"{corrected.Name}: FOUND at seed {c.Seed}: {c.First}");
        if (args.GetValue(save))
        {
            // the posted patch's under refpage/, each variant's under refpage/VARIANT/
            foreach (var (rules, h) in hits.Select(h => (RefPageRules.Posted, h)).Concat(variants))
            {
                var folder = Path.Combine(RepoPaths.Root, "traces", "corpus", "refpage", rules == RefPageRules.Posted ? "" : rules.ToString().ToLowerInvariant());
                Directory.CreateDirectory(folder);
                TraceText.Save(Path.Combine(folder, h.Check + ".trace"),
                    FoundTraces.Document(h.Trace, h.Finding, RefPageSearch.Profile(rules).Name, (int)h.Seed).With("shrunk-from", $"{h.ShrunkFrom} calls"));
            }
            o.WriteLine($"shrunk traces written under {Path.Combine("traces", "corpus", "refpage")}");
        }
        return c.First is null && hits.Count == 2 && agreed ? ExitCode.Ok : ExitCode.Differs;
    }

    /// <summary>
    /// The shrunk traces replayed on Linux 6.12 with the patch ported (the refpage image, when it is built), the kernel's
    /// log read through the executor beside the model's prediction; false if they disagree on anything.
    /// </summary>
    static bool Confirm(IReadOnlyList<Trace> traces, TextWriter o)
    {
        if (traces.Count == 0) return true;
        if (QemuJudge.TryCreate(out var why, "refpage") is not { } kernel)
        {
            o.WriteLine($"not replayed on a real kernel: {why}");
            return true;
        }
        kernel.KernelLog = true;
        var model = ModelJudge.Beside(kernel);
        var (k, m) = (kernel.Run(traces), model.Run(traces));
        bool agreed = true;
        for (int i = 0; i < traces.Count; i++)
        {
            o.WriteLine($"{traces[i].Id} on {kernel.Name}: the kernel logged");
            o.Write(Indent(Comparison.LogText(k[i])));
            if (Comparison.FirstDifference(traces[i], model.Name, m[i], kernel.Name, k[i]) is { } d)
            {
                agreed = false;
                o.WriteLine("and the model disagrees:");
                o.Write(d.Report());
            }
            else o.WriteLine("  as the model predicted, and the two agree on every call");
        }
        return agreed;
    }

    /// <summary>
    /// The open question, by properties: each of <see cref="RefPageProperties"/> hunted on the lookup on every fault
    /// (the corrected accounting) and on the page taken at mmap, over the same generated traces, then each again asked
    /// of mremap alone (<see cref="RefPageProperties.UnderMremap"/>, with mremap among the calls); each counterexample shrunk.
    /// </summary>
    static List<(RefPageRules Rules, RefPageSearch.Hit Hit)> Variants(TextWriter o, CancellationToken cancel)
    {
        var found = new List<(RefPageRules, RefPageSearch.Hit)>();
        var hunts = RefPageProperties.All.Select(p => (p, RefPageSearch.Settings))
            .Concat(RefPageProperties.UnderMremapAll.Select(p => (p, RefPageSearch.RemapSettings)));
        foreach (var rules in new[] { RefPageRules.Corrected, RefPageRules.Pinned })
        {
            var profile = RefPageSearch.Profile(rules);
            foreach (var (property, settings) in hunts)
            {
                var hit = RefPageSearch.Hunt(profile, property, RefPageSearch.VariantTraces, TimeSpan.FromMinutes(2), out long ran, cancel: cancel, settings: settings);
                if (hit is null)
                {
                    o.WriteLine($"{property.Name} on {profile.Name}: holds on {ran:N0} generated traces" +
                                (ran < RefPageSearch.VariantTraces ? $" (stopped short of {RefPageSearch.VariantTraces:N0} by the 2-minute limit or Ctrl-C)" : ""));
                    continue;
                }
                found.Add((rules, hit));
                o.WriteLine($"{property.Name} on {profile.Name}: broken by seed {hit.Seed}, shrunk from {hit.ShrunkFrom} to {hit.Trace.Calls.Count} calls: {hit.Finding.Message}");
                o.WriteLine(TraceText.Print(TraceDocument.Of(hit.Trace)));
            }
        }
        return found;
    }

    static string Indent(string lines) => lines.Length == 0 ? "  (nothing)\n" : string.Concat(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n"));
}
