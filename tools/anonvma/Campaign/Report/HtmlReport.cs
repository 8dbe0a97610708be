using AnonVma.Model;
using System.Globalization;
using System.Text;

namespace AnonVma.Campaign.Report;

/// <summary>The report as one self-contained page, so it opens offline from a CI artifact or a copied campaign directory.</summary>
public static class HtmlReport
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>The page. Deterministic: the same data give the same bytes.</summary>
    public static string Render(ReportData data)
    {
        var sb = new StringBuilder();
        var judges = Judges(data);
        string title = data.Config.Mutation is { } m ? $"{data.Title} — MUTATION {m}" : data.Title;
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
          .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
          .Append($"<title>{Escape(title)}</title>\n<style>\n{Css}</style>\n</head>\n<body>\n<main>\n");
        Header(sb, data, judges);
        Numbers(sb, data, judges);
        Charts(sb, data, judges);
        Findings(sb, data);
        CoverageTable(sb, data);
        Footer(sb, data);
        sb.Append("</main>\n<script>\n").Append(Script).Append("</script>\n</body>\n</html>\n");
        return sb.ToString();
    }

    static void Header(StringBuilder sb, ReportData data, IReadOnlyList<string> judges)
    {
        var c = data.Config;
        sb.Append($"<header>\n<h1>{Escape(data.Title)}</h1>\n<p class=\"meta\">generated {Escape(Generated(data.GeneratedAt))}")
          .Append($" · shard {Escape(c.Shard)} · judges ");
        sb.Append(string.Join(", ", judges.Select(JudgeTag)));
        sb.Append("</p>\n</header>\n");
        if (c.Mutation is { } mutation)
            sb.Append("<div class=\"mutation\" role=\"alert\"><strong>MUTATION ").Append(Escape(mutation)).Append("</strong>")
              .Append("<span>The model was deliberately wrong in this campaign (a mutation was switched on), to see findings happen. ")
              .Append("Its findings are expected and say nothing about the kernels.</span></div>\n");
    }

    static void Numbers(StringBuilder sb, ReportData data, IReadOnlyList<string> judges)
    {
        var s = data.State;
        sb.Append("<section class=\"numbers\">\n");
        foreach (var (lane, seeds, blocks) in SeedsDone(data))
            Card(sb, $"seeds done, {lane} lane", N(seeds), $"{N(blocks)} blocks of {N(BlockSize(data.Config, lane))}");
        if (!s.Done.Any()) Card(sb, "seeds done", "0", "no block completed yet");
        Card(sb, "traces", N(s.Traces.Values.Sum()),
            string.Join(" · ", s.Traces.OrderBy(kv => LaneOrder(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {N(kv.Value)}")));
        foreach (var j in judges)
            Card(sb, $"calls, {j}", N(s.JudgeCalls.GetValueOrDefault(j)), j == "model" ? "invariants checked" : "compared with the model", JudgeColour(j));
        Card(sb, "campaign time", Duration(s.Seconds), $"{N(s.Sessions)} session{(s.Sessions == 1 ? "" : "s")}");
        long recurrences = data.Findings.Sum(f => f.Count);
        Card(sb, "findings", N(data.Findings.Count), $"distinct, in {N(recurrences)} trace{(recurrences == 1 ? "" : "s")}",
            data.Findings.Count > 0 ? "#dc2626" : null);
        var missing = Missing(data);
        int expected = data.ExpectedCoverage.Distinct().Count();
        Card(sb, "coverage", $"{N(expected - missing.Count)} / {N(expected)}",
            missing.Count == 0 ? "expected labels, all reached" : $"expected labels; {N(missing.Count)} NOT REACHED",
            missing.Count == 0 ? null : "#dc2626");
        if (data.Config.Mutation is { } m) Card(sb, "mutation", m, "the model was deliberately wrong", "#dc2626");
        sb.Append("</section>\n");
    }

    static void Card(StringBuilder sb, string key, string value, string sub, string? colour = null)
    {
        string style = colour is null ? "" : $" style=\"border-top-color:{Escape(colour)}\"";
        sb.Append($"<div class=\"card\"{style}><div class=\"k\">{Escape(key)}</div><div class=\"v\">{Escape(value)}</div>")
          .Append($"<div class=\"sub\">{Escape(sub)}</div></div>\n");
    }

    static void Charts(StringBuilder sb, ReportData data, IReadOnlyList<string> judges)
    {
        sb.Append("<section>\n<h2>Over time</h2>\n<div class=\"charts\">\n");
        foreach (var svg in new[] { ThroughputChart(data, judges), CoverageChart(data), FindingsChart(data), MemoryChart(data) })
            sb.Append("<figure>").Append(svg).Append("</figure>\n");
        sb.Append("</div>\n</section>\n");
    }

    static string ThroughputChart(ReportData data, IReadOnlyList<string> judges) =>
        SvgChart.Render("throughput", "Throughput", "per second", Throughput(data.Timeline, judges));

    /// <summary>
    /// Calls per second per judge, and traces per second, between consecutive samples: a rate needs two samples of
    /// the same session, later in time, whose counter did not go down (a lower count means another session or shard).
    /// </summary>
    internal static IReadOnlyList<SvgChart.Series> Throughput(IReadOnlyList<TimelineSample> timeline, IReadOnlyList<string> judges)
    {
        var calls = judges.ToDictionary(j => j, _ => new List<SvgChart.Point>());
        var traces = new List<SvgChart.Point>();
        for (int i = 1; i < timeline.Count; i++)
        {
            var (a, b) = (timeline[i - 1], timeline[i]);
            double dt = b.Seconds - a.Seconds;
            if (a.Session != b.Session || !(dt > 0) || !double.IsFinite(dt)) continue;
            foreach (var j in judges)
                if (a.JudgeCalls.TryGetValue(j, out long ca) && b.JudgeCalls.TryGetValue(j, out long cb) && cb >= ca)
                {
                    double rate = (cb - ca) / dt;
                    calls[j].Add(new(b.Seconds, rate, $"{j}: {N(rate)} calls/s at {Duration(b.Seconds)}"));
                }
            if (b.Traces >= a.Traces)
            {
                double rate = (b.Traces - a.Traces) / dt;
                traces.Add(new(b.Seconds, rate, $"{N(rate)} traces/s at {Duration(b.Seconds)}"));
            }
        }
        return judges.Select(j => new SvgChart.Series($"{j} calls/s", JudgeColour(j), calls[j]))
            .Append(new SvgChart.Series("traces/s", TracesColour, traces) { Dashed = true })
            .ToList();
    }

    static string CoverageChart(ReportData data)
    {
        var categories = Categories(data.ExpectedCoverage, data.Timeline.SelectMany(s => s.Coverage.Keys).Concat(data.State.Coverage.Keys.Select(Category)));
        var series = categories.Select((cat, i) =>
        {
            int expected = data.ExpectedCoverage.Distinct().Count(l => Category(l) == cat);
            string name = expected > 0 ? $"{cat} (of {expected})" : cat;
            var points = data.Timeline.Where(s => s.Coverage.ContainsKey(cat)).Select(s => new SvgChart.Point(s.Seconds, s.Coverage[cat])).ToList();
            return new SvgChart.Series(name, CategoryColour(i), points);
        }).ToList();
        return SvgChart.Render("coverage", "Coverage: distinct labels reached, per category", "labels", series, integers: true);
    }

    static string FindingsChart(ReportData data)
    {
        var line = data.Timeline.Select(s => new SvgChart.Point(s.Seconds, s.Findings)).ToList();
        var found = data.Findings.Select(f => f.Record).OrderBy(r => r.FoundAtSeconds).ThenBy(r => r.Signature, StringComparer.Ordinal)
            .Select((r, i) => new SvgChart.Point(r.FoundAtSeconds, i + 1,
                $"{r.Signature} (judge {r.Judge}, seed {r.Seed}, at {Duration(r.FoundAtSeconds)})"))
            .ToList();
        return SvgChart.Render("findings", "Findings: distinct so far", "findings",
            [new SvgChart.Series("distinct findings", FindingsColour, line) { Step = true },
             new SvgChart.Series("a finding (hover for its signature)", FindingsColour, found) { Line = false }],
            integers: true);
    }

    static string MemoryChart(ReportData data) =>
        SvgChart.Render("memory", "Memory", "MiB",
            [new SvgChart.Series("working set", "#7c3aed", data.Timeline.Select(s => new SvgChart.Point(s.Seconds, s.WorkingSetMiB)).ToList()),
             new SvgChart.Series("GC heap", "#0d9488", data.Timeline.Select(s => new SvgChart.Point(s.Seconds, s.GcHeapMiB)).ToList())]);

    static void Findings(StringBuilder sb, ReportData data)
    {
        sb.Append($"<section>\n<h2>Findings ({N(data.Findings.Count)})</h2>\n");
        if (data.Findings.Count == 0)
        {
            sb.Append("<p class=\"none\">No findings: every judge agreed with the model on every trace checked.</p>\n</section>\n");
            return;
        }
        sb.Append("<table class=\"findings\">\n<thead><tr><th>signature</th><th class=\"num\">count</th><th>judge</th>")
          .Append("<th class=\"num\">first seed</th><th class=\"num\">found at</th><th>shrunk</th><th>files</th></tr></thead>\n<tbody>\n");
        foreach (var f in data.Findings)
        {
            var r = f.Record;
            sb.Append("<tr class=\"finding\">")
              .Append($"<td><code class=\"sig\">{Escape(r.Signature)}</code><div class=\"msg\">{Escape(r.Message)}</div></td>")
              .Append($"<td class=\"num\">{N(f.Count)}</td><td>{JudgeTag(r.Judge)}</td><td class=\"num\">{N(r.Seed)}</td>")
              .Append($"<td class=\"num\">{Escape(Duration(r.FoundAtSeconds))}</td>")
              .Append($"<td>{(f.ShrunkCalls is null ? "<span class=\"pending\">not shrunk yet</span>" : Escape(Shrunk(f)))}</td>")
              .Append($"<td><a href=\"{Href(f.TracePath)}\">trace</a>")
              .Append(f.ReproducerPath is { } repro ? $" · <a href=\"{Href(repro)}\">C reproducer</a>" : " · <span class=\"pending\">no reproducer yet</span>")
              .Append("</td></tr>\n");
            sb.Append("<tr class=\"detail\"><td colspan=\"7\">");
            if (f.ShrunkTrace is { } trace)
                sb.Append($"<details><summary>shrunk trace ({Escape(Shrunk(f))}) · {Escape(r.Check)} at {Escape(r.CallKind)} · oracle {Escape(r.Oracle)} · lane {Escape(r.Lane)}</summary>")
                  .Append($"<pre>{Escape(trace)}</pre></details>");
            else
                sb.Append($"<span class=\"pending\">still shrinking ({N(r.OriginalCalls)} calls originally) · {Escape(r.Check)} at {Escape(r.CallKind)} · oracle {Escape(r.Oracle)} · lane {Escape(r.Lane)}</span>");
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n</section>\n");
    }

    static void CoverageTable(StringBuilder sb, ReportData data)
    {
        var counts = data.State.Coverage;
        var missing = Missing(data);
        sb.Append("<section>\n<h2>Coverage</h2>\n");
        if (missing.Count == 0)
            sb.Append("<p>Every expected label was reached.</p>\n");
        else
            sb.Append($"<p class=\"alarm\">{N(missing.Count)} expected label{(missing.Count == 1 ? " was" : "s were")} NOT REACHED: ")
              .Append(string.Join(", ", missing.Select(l => $"<code>{Escape(l)}</code>"))).Append("</p>\n");
        var expected = data.ExpectedCoverage.Distinct().ToList();
        var expectedSet = expected.ToHashSet();
        sb.Append("<table class=\"coverage\">\n<thead><tr><th>category</th><th class=\"num\">reached</th><th>labels (times reached)</th></tr></thead>\n<tbody>\n");
        foreach (var cat in Categories(expected, counts.Keys.Select(Category)))
        {
            var mine = expected.Where(l => Category(l) == cat).ToList();
            var others = counts.Keys.Where(l => Category(l) == cat && !expectedSet.Contains(l)).Order(StringComparer.Ordinal).ToList();
            int reached = mine.Count(l => counts.GetValueOrDefault(l) > 0);
            string reachedText = mine.Count == 0 ? "—" : $"{N(reached)} of {N(mine.Count)}";
            sb.Append($"<tr><th scope=\"row\">{Escape(cat)}</th><td class=\"num{(reached < mine.Count ? " bad" : "")}\">{reachedText}</td><td>");
            foreach (var l in mine)
            {
                long n = counts.GetValueOrDefault(l);
                sb.Append(n > 0
                    ? $"<span class=\"chip\">{Escape(Rest(l))} <b>{N(n)}</b></span> "
                    : $"<span class=\"chip missing\" title=\"expected, never reached\">{Escape(Rest(l))} <b>NOT REACHED</b></span> ");
            }
            if (others.Count > 0)
            {
                if (mine.Count > 0) sb.Append("<span class=\"also\">also seen:</span> ");
                foreach (var l in others)
                    sb.Append($"<span class=\"chip extra\">{Escape(Rest(l))} <b>{N(counts[l])}</b></span> ");
            }
            sb.Append("</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n</section>\n");
    }

    static void Footer(StringBuilder sb, ReportData data)
    {
        var c = data.Config;
        sb.Append("<footer>")
          .Append($"seeds {(c.Seeds is { } n ? $"{N(c.FirstSeed)} to {N(c.FirstSeed + n - 1)} ({N(n)}, all shards)" : $"from {N(c.FirstSeed)}, as many as time allows")}")
          .Append($" · blocks of {N(c.BlockSize)} (QEMU {N(c.QemuBlockSize)})")
          .Append($" · traces of {N(c.ShortLength)} calls, one in {N(c.LongEvery)} of {N(c.LongLength)}")
          .Append($" · state format {N(c.Version)}")
          .Append("</footer>\n");
    }

    // ---- Shared with the Markdown summary ----

    /// <summary>The judges in the config's order, then any other judge the counts mention.</summary>
    internal static IReadOnlyList<string> Judges(ReportData data) =>
        data.Config.Judges
            .Concat(data.State.JudgeCalls.Keys.Concat(data.Timeline.SelectMany(s => s.JudgeCalls.Keys)).Distinct().Order(StringComparer.Ordinal))
            .Distinct().ToList();

    /// <summary>Seeds done per lane: the seeds of the blocks in its done ranges (the campaign's last block may be short).</summary>
    internal static IReadOnlyList<(string Lane, long Seeds, long Blocks)> SeedsDone(ReportData data) =>
        data.State.Done
            .OrderBy(kv => LaneOrder(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv =>
            {
                long count = kv.Value.Where(r => r is { Length: > 0 }).Sum(r => Math.Max(0, r[^1] - r[0] + 1));
                return (kv.Key, new SeedBlocks(data.Config, BlockSize(data.Config, kv.Key)).SeedsIn(kv.Value), count);
            })
            .ToList();

    static int BlockSize(CampaignConfig c, string lane) => lane == "qemu" ? c.QemuBlockSize : c.BlockSize;

    static int LaneOrder(string lane) => lane switch { "main" => 0, "qemu" => 1, _ => 2 };

    /// <summary>Expected labels with no count.</summary>
    internal static IReadOnlyList<string> Missing(ReportData data) =>
        data.ExpectedCoverage.Distinct().Where(l => data.State.Coverage.GetValueOrDefault(l) == 0).ToList();

    /// <summary>"call" for "call/mmap", "result" for "result/mmap/EEXIST".</summary>
    internal static string Category(string label) => label.IndexOf('/') is var i and >= 0 ? label[..i] : label;

    static string Rest(string label) => label.IndexOf('/') is var i and >= 0 ? label[(i + 1)..] : label;

    /// <summary>Categories in the order the expected labels introduce them, then the others alphabetically.</summary>
    static IReadOnlyList<string> Categories(IEnumerable<string> expected, IEnumerable<string> seen) =>
        expected.Select(Category).Distinct().Concat(seen.Distinct().Order(StringComparer.Ordinal)).Distinct().ToList();

    internal static string Shrunk(ReportFinding f) =>
        f.ShrunkCalls is { } n ? $"{N(n)} call{(n == 1 ? "" : "s")}, from {N(f.Record.OriginalCalls)}" : "not shrunk yet";

    internal static string Generated(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", Inv);

    /// <summary>Thousands separators, whatever the machine's culture.</summary>
    internal static string N(long n) => n.ToString("N0", Inv);

    internal static string N(double v) =>
        !double.IsFinite(v) ? "?" : Math.Abs(v) >= 100 ? v.ToString("N0", Inv) : v.ToString("#,0.#", Inv);

    /// <summary>"42 s", "3 min 05 s", "2 h 07 min".</summary>
    internal static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return "?";
        long s = (long)Math.Round(Math.Max(0, seconds));
        return s < 60 ? $"{s} s"
            : s < 3600 ? $"{s / 60} min {s % 60:00} s"
            : $"{N(s / 3600)} h {s / 60 % 60:00} min";
    }

    /// <summary>Text and attribute values from the data, made inert.</summary>
    internal static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length + 16);
        foreach (char ch in s)
            sb.Append(ch switch
            {
                '&' => "&amp;", '<' => "&lt;", '>' => "&gt;", '"' => "&quot;", '\'' => "&#39;",
                _ when ch < ' ' && ch is not ('\n' or '\t' or '\r') => "\uFFFD",
                _ => ch.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>A relative path as an href: each segment percent-encoded, so no path can become a scheme or a query.</summary>
    static string Href(string path) =>
        Escape(string.Join('/', path.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString)));

    // ---- Colours: one per judge, the same in every chart, card and table ----

    internal static string JudgeColour(string judge) => judge switch
    {
        "model" => "#2563eb",
        "native" => "#ea580c",
        "qemu" => "#16a34a",
        _ => Others[(int)(StableHash(judge) % (uint)Others.Length)],
    };

    static readonly string[] Others = ["#9333ea", "#db2777", "#0891b2", "#ca8a04", "#4b5563"];
    const string TracesColour = "#6b7280", FindingsColour = "#dc2626";

    static string CategoryColour(int i) => Palette[i % Palette.Length];

    static readonly string[] Palette =
        ["#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d", "#7c3aed", "#0d9488"];

    /// <summary>FNV-1a: string.GetHashCode differs between runs, and colours must not.</summary>
    static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char ch in s) h = (h ^ ch) * 16777619;
        return h;
    }

    static string JudgeTag(string judge) =>
        $"<span class=\"judge\" style=\"--c:{JudgeColour(judge)}\">{Escape(judge)}</span>";

    const string Css = """
        :root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #f9fafb; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink);
               font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
        main { max-width: 1500px; margin: 0 auto; padding: 24px 28px 40px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 19px; margin: 32px 0 12px; }
        .meta { color: var(--muted); margin: 0; }
        code, pre { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
        .judge { display: inline-block; padding: 0 8px; border-radius: 999px; color: #fff; background: var(--c); font-size: 13px; font-weight: 600; }
        .mutation { margin: 16px 0; padding: 14px 18px; border: 3px solid #dc2626; border-radius: 8px; background: #fef2f2; color: #7f1d1d; }
        .mutation strong { display: block; font-size: 20px; color: #dc2626; letter-spacing: .02em; }
        .numbers { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: 12px; margin-top: 20px; }
        .card { background: #fff; border: 1px solid var(--line); border-top: 4px solid #9ca3af; border-radius: 8px; padding: 10px 14px; }
        .card .k { color: var(--muted); font-size: 13px; }
        .card .v { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; line-height: 1.25; }
        .card .sub { color: var(--muted); font-size: 12px; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
        figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
        svg.chart { display: block; width: 100%; max-width: 720px; height: auto; margin: 0 auto; }
        table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
        th, td { text-align: left; vertical-align: top; padding: 8px 10px; border-bottom: 1px solid var(--line); }
        thead th { font-size: 13px; color: var(--muted); font-weight: 600; background: #f3f4f6; }
        .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.finding td { border-bottom: none; }
        tr.detail td { padding-top: 0; }
        .sig { font-weight: 600; word-break: break-word; }
        .msg { color: var(--muted); font-size: 13px; white-space: pre-wrap; word-break: break-word; }
        .pending { color: #b45309; }
        details summary { cursor: pointer; color: var(--muted); font-size: 13px; }
        pre { background: #f3f4f6; border-radius: 6px; padding: 10px 12px; overflow-x: auto; max-height: 480px; margin: 6px 0 0; }
        .none { color: #15803d; }
        .alarm { color: #b91c1c; font-weight: 600; }
        .chip { display: inline-block; margin: 2px 0; padding: 1px 8px; border-radius: 6px; background: #eef2ff; font-size: 13px; white-space: nowrap; }
        .chip b { font-weight: 600; font-variant-numeric: tabular-nums; }
        .chip.extra { background: #f3f4f6; color: #374151; }
        .chip.missing { background: #fee2e2; color: #991b1b; outline: 1px solid #dc2626; }
        .also { color: var(--muted); font-size: 12px; margin-left: 6px; }
        td.bad { color: #b91c1c; font-weight: 600; }
        footer { margin-top: 28px; color: var(--muted); font-size: 13px; }
        a { color: #1d4ed8; }

        """;

    /// <summary>
    /// Run on load: a chart counts as drawn when its box is not empty and every series has length (markers: a box).
    /// The counts land on body's data-charts-expected / data-charts-drawn, where ChromiumCheck reads them.
    /// </summary>
    const string Script = """
        (function () {
          function drawn(svg) {
            try {
              var box = svg.getBoundingClientRect();
              if (!(box.width > 0 && box.height > 0)) return false;
              var items = svg.querySelectorAll('.series');
              for (var i = 0; i < items.length; i++) {
                var e = items[i];
                if (typeof e.getTotalLength === 'function') {
                  if (!(e.getTotalLength() > 0)) return false;
                } else {
                  var b = e.getBBox();
                  if (!(b.width > 0 && b.height > 0)) return false;
                }
              }
              return true;
            } catch (err) {
              return false;
            }
          }
          function check() {
            var charts = document.querySelectorAll('svg.chart'), n = 0;
            for (var i = 0; i < charts.length; i++) {
              var ok = drawn(charts[i]);
              charts[i].setAttribute('data-drawn', ok ? 'true' : 'false');
              if (ok) n++;
            }
            document.body.dataset.chartsExpected = String(charts.length);
            document.body.dataset.chartsDrawn = String(n);
          }
          if (document.readyState === 'complete') check(); else window.addEventListener('load', check);
        })();

        """;
}
