using System.Diagnostics;
using AnonVma.Campaign;
using AnonVma.Campaign.Report;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AnonVma.Cli;

/// <summary>
/// How a campaign shows itself: while it runs, a live Spectre.Console table on a terminal, or one plain line every ten
/// seconds (and one per new finding) when the output is a CI log or a file, so logs stay readable and greppable; when
/// a session ends, how much it did, what it found and where everything is.
/// </summary>
static class CampaignDisplay
{
    /// <summary>Runs the session, handing it the callback that shows each progress snapshot.</summary>
    public static SessionOutcome Run(CliContext context, Func<Action<CampaignProgress>, SessionOutcome> session) =>
        context.Terminal ? Live(context, session) : Plain(context.Out, session);

    /// <summary>Recent rates (over the last ~5 s) per judge, from successive snapshots.</summary>
    sealed class Rates
    {
        readonly Queue<(TimeSpan At, long Traces, Dictionary<string, long> Calls)> window = new();

        public (double Traces, Dictionary<string, double> Calls) Update(CampaignProgress p)
        {
            window.Enqueue((p.Elapsed, p.Session.Traces.Values.Sum(), p.Session.JudgeCalls));
            while (window.Count > 2 && p.Elapsed - window.Peek().At > TimeSpan.FromSeconds(5)) window.Dequeue();
            var (at, traces, calls) = window.Peek();
            double dt = (p.Elapsed - at).TotalSeconds;
            if (dt <= 0.5) { dt = Math.Max(p.Elapsed.TotalSeconds, 1e-9); traces = 0; calls = []; }
            return ((p.Session.Traces.Values.Sum() - traces) / dt,
                p.Session.JudgeCalls.ToDictionary(kv => kv.Key, kv => (kv.Value - calls.GetValueOrDefault(kv.Key)) / dt));
        }
    }

    static string Clock(TimeSpan t) => HtmlReport.Duration(t.TotalSeconds);

    static string Seeds(CampaignProgress p) =>
        string.Join("  ", p.SeedsDone.Select(kv => $"{kv.Key} {kv.Value:N0}{(p.SeedsTotal is { } n ? $"/{n:N0}" : "")}"));

    /// <summary>Plain lines for logs.</summary>
    static SessionOutcome Plain(TextWriter output, Func<Action<CampaignProgress>, SessionOutcome> session)
    {
        var since = Stopwatch.StartNew();
        var rates = new Rates();
        int findingsShown = 0;
        return session(p =>
        {
            var (traces, calls) = rates.Update(p);
            for (; findingsShown < p.NewFindings.Count; findingsShown++)
                output.WriteLine($"[{Clock(p.Elapsed),10}] new finding: {p.NewFindings[findingsShown]}");
            if (since.Elapsed < TimeSpan.FromSeconds(10)) return;
            since.Restart();
            string judges = string.Join("  ", p.JudgeCalls.OrderBy(kv => JudgeNames.Order(kv.Key)).Select(kv => $"{kv.Key} {kv.Value:N0} ({calls.GetValueOrDefault(kv.Key):N0}/s)"));
            int reached = p.Coverage.Sum(c => c.Reached);
            output.WriteLine($"[{Clock(p.Elapsed),10}] traces {p.Traces:N0} ({traces:N0}/s)  calls: {judges}  seeds {Seeds(p)}  " +
                             $"coverage {reached} labels  findings {p.Findings} (seen {p.Total.FindingCounts.Values.Sum():N0}x)  left {Clock(p.Left)}");
            output.Flush();
        });
    }

    /// <summary>The live table on a terminal.</summary>
    static SessionOutcome Live(CliContext context, Func<Action<CampaignProgress>, SessionOutcome> session)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(context.Out),
            Ansi = AnsiSupport.Detect,
            ColorSystem = context.Colour.Enabled ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.Yes,
        });
        var rates = new Rates();
        SessionOutcome? outcome = null;
        console.Live(new Text("starting…")).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
        {
            outcome = session(p =>
            {
                ctx.UpdateTarget(Render(p, rates.Update(p)));
                ctx.Refresh();
            });
        });
        return outcome!;
    }

    static IRenderable Render(CampaignProgress p, (double Traces, Dictionary<string, double> Calls) rates)
    {
        var judges = new Table().Border(TableBorder.Rounded).Title("[bold]throughput[/]")
            .AddColumn("judge").AddColumn(new TableColumn("calls").RightAligned()).AddColumn(new TableColumn("calls/s now").RightAligned())
            .AddColumn(new TableColumn("calls/s session").RightAligned());
        foreach (var (judge, calls) in p.JudgeCalls.OrderBy(kv => JudgeNames.Order(kv.Key)))
            judges.AddRow(judge, $"{calls:N0}", $"{rates.Calls.GetValueOrDefault(judge):N0}",
                $"{p.Session.JudgeCalls.GetValueOrDefault(judge) / Math.Max(p.Elapsed.TotalSeconds, 1e-9):N0}");
        judges.AddRow("[dim]traces[/]", $"{p.Traces:N0}", $"{rates.Traces:N0}", $"{p.Session.Traces.Values.Sum() / Math.Max(p.Elapsed.TotalSeconds, 1e-9):N0}");

        var coverage = new Table().Border(TableBorder.Rounded).Title("[bold]coverage[/]").AddColumn("category").AddColumn(new TableColumn("labels").RightAligned());
        foreach (var (cat, reached, expected) in p.Coverage)
            coverage.AddRow(cat, expected == 0 ? $"{reached}" : reached >= expected ? $"[green]{reached}[/]/{expected}" : $"[yellow]{reached}[/]/{expected}");

        var head = new Markup(
            $"[bold]elapsed[/] {Clock(p.Elapsed)}   [bold]left[/] {Clock(p.Left)}   [bold]campaign time[/] {HtmlReport.Duration(p.Total.Seconds)}   " +
            $"[bold]seeds[/] {Markup.Escape(Seeds(p))}   [bold]findings[/] {(p.Findings == 0 ? "[green]0[/]" : $"[red]{p.Findings}[/]")} (seen {p.Total.FindingCounts.Values.Sum():N0}x)");
        var rows = new List<IRenderable> { head, new Columns(judges, coverage) };
        if (p.NewFindings.Count > 0)
            rows.Add(new Markup("[bold red]new this session:[/] " + Markup.Escape(string.Join("; ", p.NewFindings.TakeLast(5)))));
        foreach (var a in p.Activity) rows.Add(new Markup($"[dim]{Markup.Escape(a)}[/]"));
        return new Rows(rows);
    }

    /// <summary>What a campaign session prints when it ends, the findings as the report it just wrote has them.</summary>
    public static void Summary(TextWriter o, Colour c, CampaignDirectory dir, SessionOutcome outcome, ReportData report)
    {
        var p = outcome.Final;
        o.WriteLine();
        o.WriteLine(outcome.Interrupted ? c.Yellow($"interrupted after {Clock(outcome.Elapsed)}") :
                    outcome.Complete ? c.Green($"campaign complete after {Clock(outcome.Elapsed)} this session") :
                    $"session done after {Clock(outcome.Elapsed)}");
        o.WriteLine($"seeds: {Seeds(p)}   traces: {p.Traces:N0} ({p.Session.Traces.Values.Sum():N0} this session)   campaign time: {HtmlReport.Duration(p.Total.Seconds)}");
        foreach (var (judge, calls) in p.JudgeCalls.OrderBy(kv => JudgeNames.Order(kv.Key)))
            o.WriteLine($"  {judge,-7} {calls,14:N0} calls   {p.Session.JudgeCalls.GetValueOrDefault(judge) / Math.Max(outcome.Elapsed.TotalSeconds, 1e-9),10:N0} calls/s this session");
        var missing = p.Coverage.Where(x => x.Expected > 0 && x.Reached < x.Expected).Select(x => $"{x.Category} {x.Reached}/{x.Expected}").ToList();
        o.WriteLine($"coverage: {p.Coverage.Sum(x => x.Reached)} labels reached{(missing.Count > 0 ? c.Yellow($"; below expected: {string.Join(", ", missing)}") : "")}");
        o.WriteLine(p.Findings == 0 ? $"findings: {c.Green("none")}" : $"findings: {c.Red(p.Findings.ToString())}");
        foreach (var f in report.Findings)
        {
            o.WriteLine($"  {c.Bold(f.Record.Signature)}  x{f.Count:N0}, first seed {f.Record.Seed}, " +
                        (f.ShrunkCalls is null ? c.Yellow("not shrunk yet (--resume shrinks it)") : "shrunk"));
            o.WriteLine($"     {Shown.Path(Path.Combine(dir.Path, f.TracePath))}" + (f.ReproducerPath is { } repro ? $"   {Shown.Path(Path.Combine(dir.Path, repro))}" : ""));
        }
        o.WriteLine($"report: {Shown.Path(dir.ReportFile)}   summary: {Shown.Path(dir.SummaryFile)}");
        foreach (var judge in dir.ReadConfig().Implementations)
        {
            var (markdown, html) = AnonVma.Campaign.Report.ConformanceReport.Paths(dir, judge);
            o.WriteLine($"conformance of {judge}: {Shown.Path(html)}   {Shown.Path(markdown)}");
        }
        if (!outcome.Complete)
            o.WriteLine($"continue with: dotnet run -c Release --project tools/anonvma -- campaign --resume {Shown.Path(dir.Path)}");
    }
}
