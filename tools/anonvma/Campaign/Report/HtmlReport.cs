using System.Globalization;
using System.Text.RegularExpressions;

namespace AnonVma.Campaign.Report;

/// <summary>The report as one self-contained page, so it opens offline from a CI artifact or a copied campaign directory.</summary>
public static class HtmlReport
{
    internal static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    const string Red = "#dc2626";

    /// <summary>The page. Deterministic: the same data give the same bytes.</summary>
    public static string Render(ReportData data)
    {
        var c = data.Config;
        string title = c.Mutation is { } m ? $"{data.Title} — MUTATION {m}" : data.Title;
        string banner = c.Mutation is null ? "" : $"""
            <div class="mutation" role="alert"><strong>MUTATION {Escape(c.Mutation)}</strong><span>The model was deliberately wrong in this campaign
            (a mutation was switched on), to see findings happen. Its findings are expected and say nothing about the kernels.</span></div>

            """;
        string seeds = c.Seeds is { } n ? $"{N(c.FirstSeed)} to {N(c.FirstSeed + n - 1)} ({N(n)}, all shards)" : $"from {N(c.FirstSeed)}, as many as time allows";
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Escape(title)}</title>
            <style>
            {Css}</style>
            </head>
            <body>
            <main>
            <header>
            <h1>{Escape(data.Title)}</h1>
            <p class="meta">generated {Escape(Generated(data.GeneratedAt))} · shard {Escape(c.Shard)} · judges {string.Join(", ", c.Judges.Select(JudgeTag))}</p>
            </header>
            {banner}<section class="numbers">
            {string.Concat(Numbers(data).Select(Card))}</section>
            <section>
            <h2>Over time</h2>
            <div class="charts">
            {Charts(data)}</div>
            </section>
            <section>
            <h2>Findings ({N(data.Findings.Count)})</h2>
            {FindingsTable(data)}
            </section>
            <section>
            <h2>Coverage</h2>
            {CoverageTable(data)}
            </section>
            <footer>seeds {seeds} · blocks of {N(c.BlockSize)} (QEMU {N(c.QemuBlockSize)})
            · traces of {N(c.ShortLength)} calls, one in {N(c.LongEvery)} of {N(c.LongLength)} · state format {N(c.Version)}</footer>
            </main>
            <script>
            {Script}</script>
            </body>
            </html>

            """;
    }

    /// <summary>The campaign's key numbers, each with a line of context and a colour when it calls for attention: the page's cards, the summary's table.</summary>
    internal static IReadOnlyList<(string Key, string Value, string Sub, string? Colour)> Numbers(ReportData data)
    {
        var s = data.State;
        var seeds = SeedsDone(data);
        var missing = Missing(data);
        int expected = data.ExpectedCoverage.Distinct().Count();
        long recurrences = data.Findings.Sum(f => f.Count);
        var lanes = s.Traces.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {N(kv.Value)}");
        return
        [
            .. seeds.Select(x => ($"seeds done, {x.Lane} lane", N(x.Seeds), $"{N(x.Blocks)} blocks of {N(data.Config.BlockSizeOf(x.Lane))}", (string?)null)),
            .. seeds.Count == 0 ? [("seeds done", "0", "no block completed yet", null)] : Array.Empty<(string, string, string, string?)>(),
            ("traces", N(s.Traces.Values.Sum()), string.Join(" · ", lanes), null),
            .. data.Config.Judges.Select(j => ($"calls, {j}", N(s.JudgeCalls.GetValueOrDefault(j)), j == "model" ? "invariants checked" : "compared with the model", (string?)JudgeColour(j))),
            ("campaign time", Duration(s.Seconds), $"{N(s.Sessions)} session{(s.Sessions == 1 ? "" : "s")}", null),
            ("findings", N(data.Findings.Count), $"distinct, in {N(recurrences)} trace{(recurrences == 1 ? "" : "s")}", data.Findings.Count > 0 ? Red : null),
            ("coverage", $"{N(expected - missing.Count)} / {N(expected)}",
                missing.Count == 0 ? "expected labels, all reached" : $"expected labels; {N(missing.Count)} NOT REACHED", missing.Count == 0 ? null : Red),
        ];
    }

    static string Card((string Key, string Value, string Sub, string? Colour) n) => $"""
        <div class="card"{(n.Colour is null ? "" : $" style=\"border-top-color:{n.Colour}\"")}><div class="k">{Escape(n.Key)}</div><div class="v">{Escape(n.Value)}</div><div class="sub">{Escape(n.Sub)}</div></div>

        """;

    static string Charts(ReportData data)
    {
        var timeline = data.Timeline;
        var categories = Categories(data.ExpectedCoverage, timeline.SelectMany(s => s.Coverage.Keys).Concat(data.State.Coverage.Keys.Select(Category)));
        var coverage = categories.Select((cat, i) =>
        {
            int expected = data.ExpectedCoverage.Distinct().Count(l => Category(l) == cat);
            var points = timeline.Where(s => s.Coverage.ContainsKey(cat)).Select(s => new SvgChart.Point(s.Seconds, s.Coverage[cat])).ToList();
            return new SvgChart.Series(expected > 0 ? $"{cat} (of {expected})" : cat, Palette[i % Palette.Length], points);
        }).ToList();
        var found = data.Findings.Select(f => f.Record).OrderBy(r => r.FoundAtSeconds).ThenBy(r => r.Signature, StringComparer.Ordinal)
            .Select((r, i) => new SvgChart.Point(r.FoundAtSeconds, i + 1, $"{r.Signature} (judge {r.Judge}, seed {r.Seed}, at {Duration(r.FoundAtSeconds)})"))
            .ToList();
        string[] charts =
        [
            SvgChart.Render("throughput", "Throughput", "per second", Throughput(timeline, data.Config.Judges)),
            SvgChart.Render("coverage", "Coverage: distinct labels reached, per category", "labels", coverage, integers: true),
            SvgChart.Render("findings", "Findings: distinct so far", "findings",
                [new("distinct findings", Red, [.. timeline.Select(s => new SvgChart.Point(s.Seconds, s.Findings))], Step: true),
                 new("a finding (hover for its signature)", Red, found, Dots: true)], integers: true),
            SvgChart.Render("memory", "Memory", "MiB",
                [new("working set", "#7c3aed", [.. timeline.Select(s => new SvgChart.Point(s.Seconds, s.WorkingSetMiB))]),
                 new("GC heap", "#0d9488", [.. timeline.Select(s => new SvgChart.Point(s.Seconds, s.GcHeapMiB))])]),
        ];
        return string.Concat(charts.Select(chart => $"<figure>{chart}</figure>\n"));
    }

    /// <summary>
    /// Calls per second per judge, and traces per second, between consecutive samples: a rate needs two samples of
    /// the same session, later in time, whose counter did not go down (a lower count means another session or shard).
    /// </summary>
    internal static IReadOnlyList<SvgChart.Series> Throughput(IReadOnlyList<TimelineSample> timeline, IReadOnlyList<string> judges)
    {
        var calls = judges.ToDictionary(j => j, _ => new List<SvgChart.Point>());
        var traces = new List<SvgChart.Point>();
        foreach (var (a, b) in timeline.Zip(timeline.Skip(1)))
        {
            double dt = b.Seconds - a.Seconds;
            if (a.Session != b.Session || !(dt > 0) || !double.IsFinite(dt)) continue;
            foreach (var j in judges)
                if (a.JudgeCalls.TryGetValue(j, out long ca) && b.JudgeCalls.TryGetValue(j, out long cb) && cb >= ca)
                    calls[j].Add(new(b.Seconds, (cb - ca) / dt));
            if (b.Traces >= a.Traces)
                traces.Add(new(b.Seconds, (b.Traces - a.Traces) / dt));
        }
        return [.. judges.Select(j => new SvgChart.Series($"{j} calls/s", JudgeColour(j), calls[j])), new("traces/s", "#6b7280", traces, Dashed: true)];
    }

    static string FindingsTable(ReportData data)
    {
        var rows = data.Findings.Select(f =>
        {
            var r = f.Record;
            string shrunk = f.ShrunkCalls is null ? "<span class=\"pending\">not shrunk yet</span>" : Escape(Shrunk(f));
            string repro = f.ReproducerPath is { } path ? $"<a href=\"{Href(path)}\">C reproducer</a>" : "<span class=\"pending\">no reproducer yet</span>";
            string where = $"{Escape(r.Check)} at {Escape(r.CallKind)} · oracle {Escape(r.Oracle)} · lane {Escape(r.Lane)}";
            string detail = f.ShrunkTrace is { } trace
                ? $"<details><summary>shrunk trace ({Escape(Shrunk(f))}) · {where}</summary><pre>{Escape(trace)}</pre></details>"
                : $"<span class=\"pending\">still shrinking ({N(r.OriginalCalls)} calls originally) · {where}</span>";
            return $"""
                <tr class="finding"><td><code class="sig">{Escape(r.Signature)}</code><div class="msg">{Escape(r.Message)}</div></td>
                <td class="num">{N(f.Count)}</td><td>{JudgeTag(r.Judge)}</td><td class="num">{N(r.Seed)}</td><td class="num">{Escape(Duration(r.FoundAtSeconds))}</td>
                <td>{shrunk}</td><td><a href="{Href(f.TracePath)}">trace</a> · {repro}</td></tr>
                <tr class="detail"><td colspan="7">{detail}</td></tr>

                """;
        });
        return data.Findings.Count == 0 ? "<p class=\"none\">No findings: every judge agreed with the model on every trace checked.</p>" : $"""
            <table class="findings">
            <thead><tr><th>signature</th><th class="num">count</th><th>judge</th><th class="num">first seed</th><th class="num">found at</th><th>shrunk</th><th>files</th></tr></thead>
            <tbody>
            {string.Concat(rows)}</tbody>
            </table>
            """;
    }

    static string CoverageTable(ReportData data)
    {
        var counts = data.State.Coverage;
        var missing = Missing(data);
        var expected = data.ExpectedCoverage.Distinct().ToList();
        string verdict = missing.Count == 0 ? "<p>Every expected label was reached.</p>"
            : $"<p class=\"alarm\">{N(missing.Count)} expected label{(missing.Count == 1 ? " was" : "s were")} NOT REACHED: {string.Join(", ", missing.Select(l => $"<code>{Escape(l)}</code>"))}</p>";
        var rows = Categories(expected, counts.Keys.Select(Category)).Select(cat =>
        {
            var mine = expected.Where(l => Category(l) == cat).ToList();
            var others = counts.Keys.Where(l => Category(l) == cat && !mine.Contains(l)).Order(StringComparer.Ordinal).ToList();
            int reached = mine.Count(l => counts.GetValueOrDefault(l) > 0);
            var chips = mine.Select(l => Chip(l, counts.GetValueOrDefault(l), expected: true))
                .Concat(others.Count > 0 && mine.Count > 0 ? ["<span class=\"also\">also seen:</span> "] : [])
                .Concat(others.Select(l => Chip(l, counts[l], expected: false)));
            return $"""
                <tr><th scope="row">{Escape(cat)}</th><td class="num{(reached < mine.Count ? " bad" : "")}">{(mine.Count == 0 ? "—" : $"{N(reached)} of {N(mine.Count)}")}</td><td>{string.Concat(chips)}</td></tr>

                """;
        });
        return $"""
            {verdict}
            <table class="coverage">
            <thead><tr><th>category</th><th class="num">reached</th><th>labels (times reached)</th></tr></thead>
            <tbody>
            {string.Concat(rows)}</tbody>
            </table>
            """;
    }

    static string Chip(string label, long count, bool expected) =>
        expected && count == 0 ? $"<span class=\"chip missing\" title=\"expected, never reached\">{Escape(Rest(label))} <b>NOT REACHED</b></span> "
        : $"<span class=\"chip{(expected ? "" : " extra")}\">{Escape(Rest(label))} <b>{N(count)}</b></span> ";

    /// <summary>Seeds done per lane: the seeds of the blocks in its done ranges (the campaign's last block may be short).</summary>
    internal static IReadOnlyList<(string Lane, long Seeds, long Blocks)> SeedsDone(ReportData data) =>
        data.State.Done.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, new SeedBlocks(data.Config, data.Config.BlockSizeOf(kv.Key)).SeedsIn(kv.Value), kv.Value.Sum(r => r[1] - r[0] + 1)))
            .ToList();

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

    /// <summary>"42 s", "3 min 05 s", "2 h 07 min".</summary>
    internal static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return "?";
        long s = (long)Math.Round(Math.Max(0, seconds));
        return s < 60 ? $"{s} s"
            : s < 3600 ? $"{s / 60} min {s % 60:00} s"
            : $"{N(s / 3600)} h {s / 60 % 60:00} min";
    }

    /// <summary>Text and attribute values from the data, made inert (control characters, which HTML forbids, become U+FFFD).</summary>
    internal static string Escape(string s) =>
        Regex.Replace(s, "[&<>\"'\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]", m => m.Value switch
        {
            "&" => "&amp;", "<" => "&lt;", ">" => "&gt;", "\"" => "&quot;", "'" => "&#39;", _ => "\uFFFD",
        });

    /// <summary>A relative path as an href: each segment percent-encoded, so no path can become a scheme or a query.</summary>
    static string Href(string path) =>
        Escape(string.Join('/', path.Replace('\\', '/').Split('/').Select(Uri.EscapeDataString)));

    /// <summary>One colour per judge, the same in every chart, card and tag.</summary>
    static string JudgeColour(string judge) => judge switch
    {
        "model" => "#2563eb",
        "native" => "#ea580c",
        "qemu" => "#16a34a",
        "gvisor" => "#9333ea",
        "qemu-user" => "#0891b2",
        _ => "#4b5563",
    };

    static readonly string[] Palette =
        ["#2563eb", "#ea580c", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d", "#7c3aed", "#0d9488"];

    static string JudgeTag(string judge) =>
        $"<span class=\"judge\" style=\"--c:{JudgeColour(judge)}\">{Escape(judge)}</span>";

    /// <summary>The page's style, and its script that marks on body which charts a browser drew (ChromiumCheck reads it): report.css and report.js.</summary>
    static readonly string Css = Resource("report.css"), Script = Resource("report.js");

    static string Resource(string name)
    {
        using var stream = typeof(HtmlReport).Assembly.GetManifestResourceStream($"AnonVma.Campaign.Report.{name}")
                           ?? throw new InvalidOperationException($"resource {name} is missing from the anonvma assembly");
        return new StreamReader(stream).ReadToEnd();
    }
}
