using System.Globalization;
using System.Text.RegularExpressions;
using AnonVma.Campaign;
using AnonVma.Campaign.Report;
using AnonVma.Properties.Differential;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties.Campaign;

/// <summary>Campaign reports of every shape: a realistic campaign, and the bare ones of its first seconds.</summary>
static class ReportSamples
{
    public const string NastySignature = "differs:smaps at <script>alert(1)</script> & | on native";

    /// <summary>
    /// Three sessions of samples every 30 s over 90 minutes, three findings (one with markup, '&amp;' and '|' in it,
    /// one not shrunk yet), every expected coverage label reached except touch/sigbus.
    /// </summary>
    public static ReportData Realistic(string? mutation = null)
    {
        var expected = Coverage.Expected;
        var categories = expected.GroupBy(l => l.Split('/')[0]).ToDictionary(g => g.Key, g => g.Count());
        var timeline = new List<TimelineSample>();
        long model = 0, native = 0, qemu = 0, traces = 0;
        for (int session = 1; session <= 3; session++)
            for (double t = (session - 1) * 1800; t < session * 1800; t += 30)
            {
                // Each session starts with a pause and a slower first interval, as a resume does.
                double speed = 1 + 0.2 * Math.Sin(t / 300);
                model += (long)(30 * 120_000 * speed);
                native += (long)(30 * 45_000 * speed);
                qemu += (long)(30 * 9_000 * speed);
                traces += (long)(30 * 400 * speed);
                var coverage = categories.ToDictionary(kv => kv.Key, kv => Math.Min(kv.Value - (kv.Key == "touch" ? 1 : 0), 1 + (int)(t / 200)));
                coverage["result"] = Math.Min(9, (int)(t / 600));
                int found = t < 700 ? 0 : t < 2500 ? 1 : t < 4000 ? 2 : 3;
                timeline.Add(new TimelineSample(t, session, traces,
                    new Dictionary<string, long> { ["model"] = model, ["native"] = native, ["qemu"] = qemu },
                    coverage, found, 180 + 40 * Math.Sin(t / 900) + t / 100, 60 + 25 * Math.Cos(t / 500)));
            }

        var counts = expected.Where(l => l != "touch/sigbus").Select((l, i) => (l, n: 1_000L + 37 * i))
            .Append(("result/mmap/EEXIST", 77)).Append(("result/munmap/0", 123_456))
            .ToDictionary(x => x.Item1, x => x.Item2);
        var state = new CampaignState
        {
            Done = new() { ["main"] = [[0, 9], [12, 15]], ["qemu"] = [[0, 1]] },
            Traces = new() { ["main"] = 896, ["qemu"] = 512 },
            JudgeCalls = new() { ["model"] = model, ["native"] = native, ["qemu"] = qemu },
            Coverage = counts,
            FindingCounts = new() { [NastySignature] = 42, ["invariant:NamesValid at fork on model"] = 3, ["differs:result at mlock2 on qemu"] = 1 },
            Seconds = 5400,
            Sessions = 3,
        };
        var findings = new List<ReportFinding>
        {
            new(new FindingRecord(NastySignature, "differs-smaps-script", "differs:smaps", "munmap", "native", "differential", "main",
                    1234, "smaps Rss differs: <b>model</b> 4 kB & kernel 8 kB | see line 3", 700, 1000),
                42, "# shrunk\nmmap 0x10000 4096 rw- private anon\nname 0x10000 4096 \"<evil>&amp;\"\n", 12,
                "findings/differs-smaps-script/shrunk.trace", "findings/differs-smaps-script/repro.c"),
            new(new FindingRecord("invariant:NamesValid at fork on model", "invariant-namesvalid-fork", "invariant:NamesValid", "fork", "model",
                    "invariant", "main", 77, "name refcount 2, expected 1", 2500, 24),
                3, "mmap 0x10000 4096 rw- private anon\nfork\n", 2, "findings/invariant-namesvalid-fork/shrunk.trace", null),
            new(new FindingRecord("differs:result at mlock2 on qemu", "differs-result-mlock2-qemu", "differs:result", "mlock2", "qemu",
                    "differential", "qemu", 9001, "EINVAL vs 0", 4000, 24),
                1, null, null, "findings/differs-result-mlock2-qemu/original.trace", null),
        };
        var config = new CampaignConfig { Mutation = mutation, Seeds = 100_000, QemuBlockSize = 256 };
        return new ReportData("AnonVma campaign", config, state, timeline, findings, expected,
            new DateTimeOffset(2025, 11, 23, 3, 4, 5, TimeSpan.FromHours(1)));
    }

    public static ReportData Empty() =>
        new("AnonVma campaign", new CampaignConfig(), new CampaignState(), [], [], Coverage.Expected, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public static TimelineSample Sample(double t, int session, long traces, long model, long? native = null, int findings = 0, double mib = 100) =>
        new(t, session, traces,
            native is { } n ? new Dictionary<string, long> { ["model"] = model, ["native"] = n } : new Dictionary<string, long> { ["model"] = model },
            new Dictionary<string, int> { ["call"] = 3, ["merge"] = 1 }, findings, mib, mib / 2);

    public static string[] ChartNames(string html) =>
        Regex.Matches(html, @"<svg class=""chart"" data-chart=""([^""]*)""").Select(m => m.Groups[1].Value).ToArray();

    /// <summary>The svg element of one chart.</summary>
    public static string Chart(string html, string name)
    {
        var m = Regex.Match(html, $@"<svg class=""chart"" data-chart=""{name}"".*?</svg>", RegexOptions.Singleline);
        Assert.True(m.Success, $"no chart {name}");
        return m.Value;
    }
}

public class ReportTests
{
    static readonly string[] Four = ["throughput", "coverage", "findings", "memory"];

    [Fact]
    public void The_page_has_the_four_charts_in_order()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic());
        Assert.Equal(Four, ReportSamples.ChartNames(html));
        Assert.Equal(4, Regex.Matches(html, @"<svg\b").Count);
        foreach (var name in Four)
        {
            var svg = ReportSamples.Chart(html, name);
            Assert.Contains("class=\"series", svg);
            Assert.DoesNotContain(SvgChart.NotEnoughSamples, svg);
        }
    }

    [Fact]
    public void The_page_is_self_contained()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic());
        Assert.DoesNotMatch(@"<(link|img|iframe)\b", html);
        Assert.DoesNotMatch(@"\bsrc\s*=", html);
        Assert.DoesNotContain("@import", html);
        Assert.DoesNotContain("@font-face", html);
        Assert.DoesNotContain("http://", html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", ""));
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public void Data_strings_are_escaped_in_the_page()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic(mutation: "<img src=x onerror=alert(1)>"));
        Assert.Single(Regex.Matches(html, "<script>")); // the page's own
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<img", html);
        Assert.DoesNotContain("<b>model</b>", html);
        Assert.DoesNotContain("<evil>", html);
        Assert.Contains("differs:smaps at &lt;script&gt;alert(1)&lt;/script&gt; &amp; | on native", html);
        Assert.Contains("&lt;b&gt;model&lt;/b&gt; 4 kB &amp; kernel 8 kB | see line 3", html);
        Assert.Contains("&quot;&lt;evil&gt;&amp;amp;&quot;", html); // the trace text, inside <details>
        Assert.Contains("MUTATION &lt;img src=x onerror=alert(1)&gt;", html);
        // Every & in the page starts an entity.
        Assert.DoesNotMatch(@"&(?!(amp|lt|gt|quot|#39);)", html.Replace(ScriptOf(html), ""));
    }

    static string ScriptOf(string html) => Regex.Match(html, "<script>.*?</script>", RegexOptions.Singleline).Value;

    [Fact]
    public void Findings_table_shows_each_finding_with_its_files_and_shrunk_trace()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic());
        var table = Regex.Match(html, "<table class=\"findings\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Equal(3, Regex.Matches(table, "<tr class=\"finding\">").Count);
        Assert.Contains("12 calls, from 1,000", table);
        Assert.Contains("2 calls, from 24", table);
        Assert.Contains("not shrunk yet", table);
        Assert.Contains("href=\"findings/differs-smaps-script/shrunk.trace\"", table);
        Assert.Contains("href=\"findings/differs-smaps-script/repro.c\"", table);
        Assert.Contains("href=\"findings/differs-result-mlock2-qemu/original.trace\"", table);
        Assert.Equal(2, Regex.Matches(table, "<details>").Count);
        Assert.Contains(">42<", table);
        Assert.Contains(">1,234<", table); // seed with a thousands separator
    }

    [Fact]
    public void Links_cannot_escape_into_a_scheme_or_an_attribute()
    {
        var data = ReportSamples.Realistic();
        var f = data.Findings[0] with { TracePath = "javascript:alert(1)\" onclick=\"x", ReproducerPath = "findings/a b#c/repro.c" };
        var html = HtmlReport.Render(data with { Findings = [f] });
        Assert.Contains("href=\"javascript%3Aalert%281%29%22%20onclick%3D%22x\"", html);
        Assert.Contains("href=\"findings/a%20b%23c/repro.c\"", html);
    }

    [Fact]
    public void The_short_last_block_of_a_bounded_campaign_counts_only_its_seeds()
    {
        var data = ReportSamples.Realistic();
        var state = new CampaignState { Done = new() { ["main"] = [[0, 1]] } };
        var bounded = data with { Config = data.Config with { Seeds = 100, BlockSize = 64 }, State = state };
        Assert.Equal(("main", 100L, 2L), Assert.Single(HtmlReport.SeedsDone(bounded)));
    }

    [Fact]
    public void Header_counts_seeds_per_lane_from_the_done_blocks()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic());
        // main: blocks 0-9 and 12-15 = 14 blocks of 64; qemu: blocks 0-1 = 2 blocks of 256.
        Assert.Matches(@"seeds done, main lane</div><div class=""v"">896</div><div class=""sub"">14 blocks of 64<", html);
        Assert.Matches(@"seeds done, qemu lane</div><div class=""v"">512</div><div class=""sub"">2 blocks of 256<", html);
        Assert.Contains("1 h 30 min", html);
        Assert.Contains("3 sessions", html);
        Assert.Contains("generated 2025-11-23 02:04:05 UTC", html);
    }

    [Fact]
    public void A_mutation_is_unmissable_and_its_absence_silent()
    {
        var mutated = HtmlReport.Render(ReportSamples.Realistic(mutation: "NoMergeOnName"));
        Assert.Contains("<div class=\"mutation\" role=\"alert\"><strong>MUTATION NoMergeOnName</strong>", mutated);
        Assert.Contains("<title>AnonVma campaign — MUTATION NoMergeOnName</title>", mutated);
        Assert.Contains("WARNING: mutation NoMergeOnName was on", MarkdownSummary.Render(ReportSamples.Realistic(mutation: "NoMergeOnName")));
        var real = HtmlReport.Render(ReportSamples.Realistic());
        Assert.DoesNotContain("MUTATION", real);
        Assert.DoesNotContain("mutation", MarkdownSummary.Render(ReportSamples.Realistic()));
    }

    [Fact]
    public void Coverage_table_marks_expected_labels_never_reached()
    {
        var html = HtmlReport.Render(ReportSamples.Realistic());
        Assert.Contains("<span class=\"chip missing\" title=\"expected, never reached\">sigbus <b>NOT REACHED</b></span>", html);
        Assert.Contains("1 expected label was NOT REACHED: <code>touch/sigbus</code>", html);
        Assert.Matches(@"<th scope=""row"">touch</th><td class=""num bad"">4 of 5</td>", html);
        Assert.Matches(@"<th scope=""row"">call</th><td class=""num"">13 of 13</td><td><span class=""chip"">mmap <b>1,000</b></span>", html);
        Assert.Matches(@"<th scope=""row"">result</th><td class=""num"">—</td><td><span class=""chip extra"">mmap/EEXIST <b>77</b></span> <span class=""chip extra"">munmap/0 <b>123,456</b>", html);
        Assert.Single(Regex.Matches(html, "NOT REACHED</b>"));
    }

    [Fact]
    public void Throughput_is_the_calls_delta_over_the_time_delta_within_a_session()
    {
        TimelineSample[] timeline =
        [
            ReportSamples.Sample(0, 1, traces: 0, model: 0, native: 0),
            ReportSamples.Sample(10, 1, traces: 40, model: 1_000, native: 500),   // model 100/s, native 50/s, traces 4/s
            ReportSamples.Sample(20, 1, traces: 100, model: 4_000, native: 500),  // model 300/s, native 0/s, traces 6/s
            ReportSamples.Sample(20, 1, traces: 100, model: 4_100, native: 600),  // Δt = 0: no rate
            ReportSamples.Sample(25, 2, traces: 100, model: 4_100, native: 1_000),// another session: no rate
            ReportSamples.Sample(35, 2, traces: 160, model: 6_100, native: 1_500),// model 200/s, native 50/s, traces 6/s
            ReportSamples.Sample(45, 2, traces: 175, model: 6_600),               // model 50/s; native absent: no rate
            ReportSamples.Sample(55, 2, traces: 170, model: 6_000, native: 9_999),// counters went down: no rate
        ];
        var series = HtmlReport.Throughput(timeline, ["model", "native"]);
        Assert.Equal(["model calls/s", "native calls/s", "traces/s"], series.Select(s => s.Name));
        Assert.Equal([(10.0, 100.0), (20.0, 300.0), (35.0, 200.0), (45.0, 50.0)], series[0].Points.Select(p => (p.Seconds, p.Value)));
        Assert.Equal([(10.0, 50.0), (20.0, 0.0), (35.0, 50.0)], series[1].Points.Select(p => (p.Seconds, p.Value)));
        Assert.Equal([(10.0, 4.0), (20.0, 6.0), (35.0, 6.0), (45.0, 1.5)], series[2].Points.Select(p => (p.Seconds, p.Value)));

        // And the page draws exactly those: four points on the model's line, the highest (300/s) at the top tick.
        var data = ReportSamples.Empty() with { Timeline = timeline, Config = new CampaignConfig { Judges = ["model", "native"] } };
        var svg = ReportSamples.Chart(HtmlReport.Render(data), "throughput");
        var points = Regex.Match(svg, @"<polyline class=""series"" data-series=""model calls/s"" points=""([^""]*)""").Groups[1].Value.Split(' ');
        Assert.Equal(4, points.Length);
        Assert.Contains(">300</text>", svg);
    }

    [Fact]
    public void Every_shape_of_data_renders_four_charts_without_NaN()
    {
        var empty = ReportSamples.Empty();
        var one = empty with { Timeline = [ReportSamples.Sample(12, 1, 5, 1_000, findings: 1)] };
        var equal = empty with { Timeline = [ReportSamples.Sample(0, 1, 5, 7), ReportSamples.Sample(0, 1, 5, 7), ReportSamples.Sample(0, 1, 5, 7)] };
        var outOfOrder = empty with
        {
            Timeline = [ReportSamples.Sample(30, 1, 30, 3_000), ReportSamples.Sample(10, 1, 10, 1_000), ReportSamples.Sample(20, 1, 20, 2_000)],
        };
        var huge = empty with
        {
            Timeline = [ReportSamples.Sample(0, 1, 0, 0, mib: 1e7), ReportSamples.Sample(36_000, 1, 4_000_000_000, 9_000_000_000_000, mib: 3.4e9)],
        };
        var noFindings = ReportSamples.Realistic() with { Findings = [] };
        foreach (var (name, data) in new[] { ("empty", empty), ("one", one), ("equal", equal), ("outOfOrder", outOfOrder), ("huge", huge), ("noFindings", noFindings), ("realistic", ReportSamples.Realistic()) })
        {
            var html = HtmlReport.Render(data);
            var md = MarkdownSummary.Render(data);
            Assert.True(Four.SequenceEqual(ReportSamples.ChartNames(html)), name);
            foreach (var text in new[] { html, md })
                Assert.False(text.Contains("NaN") || text.Contains("Infinity") || text.Contains('∞'), $"{name}: NaN or Infinity");
            foreach (var chart in Four)
            {
                var svg = ReportSamples.Chart(html, chart);
                Assert.Matches(@"viewBox=""0 0 720 \d+""", svg);
                // Every drawn line has at least two distinct points, so it has a length.
                foreach (Match m in Regex.Matches(svg, @"<polyline class=""series""[^>]* points=""([^""]*)"""))
                    Assert.True(m.Groups[1].Value.Split(' ').Distinct().Count() >= 2, $"{name}/{chart}: a line without length");
            }
        }
        Assert.Contains(SvgChart.NotEnoughSamples, ReportSamples.Chart(HtmlReport.Render(empty), "memory"));
        Assert.Contains(SvgChart.NotEnoughSamples, ReportSamples.Chart(HtmlReport.Render(one), "memory"));
        Assert.Contains("<polyline class=\"series\"", ReportSamples.Chart(HtmlReport.Render(one), "memory")); // a short flat line
        Assert.Contains(SvgChart.NotEnoughSamples, ReportSamples.Chart(HtmlReport.Render(one), "throughput"));
        Assert.Contains("No findings", HtmlReport.Render(noFindings));
        Assert.Contains("No findings.", MarkdownSummary.Render(noFindings));
        var hugeHtml = HtmlReport.Render(huge);
        Assert.Contains("G</text>", ReportSamples.Chart(hugeHtml, "memory"));
        Assert.Contains("campaign time (h)", ReportSamples.Chart(hugeHtml, "memory"));
        Assert.Contains("campaign time (s)", ReportSamples.Chart(HtmlReport.Render(outOfOrder), "memory"));
        Assert.Contains("campaign time (min)", ReportSamples.Chart(HtmlReport.Render(ReportSamples.Realistic()), "memory"));
    }

    [Fact]
    public void Points_out_of_time_order_are_drawn_sorted()
    {
        var svg = SvgChart.Render("t", "t", "n",
            [new SvgChart.Series("s", "#000", [new(30, 3), new(10, 1), new(20, 2), new(double.NaN, 5), new(40, double.PositiveInfinity)])]);
        var xs = Regex.Match(svg, @"class=""series""[^>]* points=""([^""]*)""").Groups[1].Value.Split(' ')
            .Select(p => double.Parse(p.Split(',')[0], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(3, xs.Count);
        Assert.Equal(xs.Order(), xs);
    }

    [Fact]
    public void A_long_night_of_samples_is_thinned_to_the_pixels_but_keeps_its_spikes()
    {
        var points = Enumerable.Range(0, 100_000).Select(i => new SvgChart.Point(i * 0.5, i == 77_777 ? 1_000 : 1 + i % 7)).ToList();
        var svg = SvgChart.Render("t", "t", "n", [new SvgChart.Series("s", "#000", points)]);
        var drawn = Regex.Match(svg, @"class=""series""[^>]* points=""([^""]*)""").Groups[1].Value.Split(' ')
            .Select(p => p.Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.InRange(drawn.Count, 600, 4 * 720);
        Assert.Equal(drawn.Select(p => p[0]).Order(), drawn.Select(p => p[0]));
        var top = drawn.MinBy(p => p[1])!; // the spike, at the top of the plot
        var spikeSvg = SvgChart.Render("t", "t", "n", [new SvgChart.Series("s", "#000", [new(0, 1), new(77_777 * 0.5, 1_000), new(99_999 * 0.5, 1)])]);
        var spike = Regex.Match(spikeSvg, @"class=""series""[^>]* points=""([^""]*)""").Groups[1].Value.Split(' ')[1];
        Assert.Equal(spike, $"{top[0].ToString(CultureInfo.InvariantCulture)},{top[1].ToString(CultureInfo.InvariantCulture)}");
        Assert.True(svg.Length < 60_000, $"{svg.Length} characters");
    }

    [Theory]
    [InlineData(0, 0, true)]
    [InlineData(0, 1, true)]
    [InlineData(0, 7, false)]
    [InlineData(0, 0.003, false)]
    [InlineData(0, 99, true)]
    [InlineData(0, 1_234_567, false)]
    [InlineData(-5, 5, false)]
    [InlineData(0, 9.9e12, true)]
    [InlineData(42, 42, false)]
    public void Ticks_are_four_to_six_round_numbers_covering_the_range(double lo, double hi, bool integers)
    {
        var ticks = SvgChart.Ticks(lo, hi, integers);
        Assert.InRange(ticks.Count, 4, 6);
        Assert.True(ticks[0] <= lo && ticks[^1] >= hi, string.Join(" ", ticks));
        double step = ticks[1] - ticks[0];
        Assert.All(ticks.Zip(ticks.Skip(1)), p => Assert.Equal(step, p.Second - p.First, step * 1e-9));
        if (integers) Assert.All(ticks, t => Assert.Equal(Math.Round(t), t));
        Assert.All(ticks.Select(SvgChart.Compact), label => Assert.True(label.Length <= 6, label));
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(999, "999")]
    [InlineData(1_200, "1.2k")]
    [InlineData(3_400_000, "3.4M")]
    [InlineData(-2_500_000_000, "-2.5G")]
    [InlineData(0.25, "0.25")]
    public void Compact_numbers(double v, string expected) => Assert.Equal(expected, SvgChart.Compact(v));

    [Fact]
    public void Rendering_is_deterministic_and_culture_independent()
    {
        var data = ReportSamples.Realistic(mutation: "X");
        var before = CultureInfo.CurrentCulture;
        string a, b;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("en-US");
            a = HtmlReport.Render(data) + MarkdownSummary.Render(data);
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            b = HtmlReport.Render(data) + MarkdownSummary.Render(data);
        }
        finally { CultureInfo.CurrentCulture = before; }
        Assert.Equal(a, b);
    }

    [Fact]
    public void Markdown_summary_has_the_numbers_the_findings_and_what_was_not_reached()
    {
        var md = MarkdownSummary.Render(ReportSamples.Realistic());
        Assert.StartsWith("## AnonVma campaign\n", md);
        Assert.Contains("generated 2025-11-23 02:04:05 UTC · shard 0/1 · judges model, native, qemu\n", md);
        Assert.Contains("| seeds done, main lane | 896 | 14 blocks of 64 |", md);
        Assert.Contains("| seeds done, qemu lane | 512 | 2 blocks of 256 |", md);
        Assert.Contains("| calls, native | ", md);
        Assert.Contains("| campaign time | 1 h 30 min | 3 sessions |", md);
        Assert.Contains("| findings | 3 | distinct, in 46 traces |", md);
        int expected = Coverage.Expected.Distinct().Count(); // the sample reaches all but touch/sigbus
        Assert.Contains($"| coverage | {expected - 1} / {expected} | expected labels; 1 NOT REACHED |", md);
        Assert.Contains("**Coverage NOT REACHED** (1 expected label): touch/sigbus", md);
        Assert.Contains("report.html", md);
        Assert.Contains(@"| differs:smaps at \<script\>alert(1)\</script\> \& \| on native | 42 | native | 1,234 | 12 calls, from 1,000 | findings/differs-smaps-script/shrunk.trace |", md);
        Assert.Contains("| differs:result at mlock2 on qemu | 1 | qemu | 9,001 | not shrunk yet |", md);

        // Every table row has as many unescaped '|' as its table's header.
        foreach (var table in Regex.Split(md, @"\n\n").Where(b => b.StartsWith('|')))
        {
            var rows = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            int cells = UnescapedPipes(rows[0]);
            Assert.All(rows, r => Assert.True(UnescapedPipes(r) == cells, r));
        }
    }

    static int UnescapedPipes(string row) => Regex.Matches(row, @"(?<!\\)\|").Count;
}

/// <summary>The report in a real browser. Without Chromium these tests skip and name `bash .ci/install`; CI (ANONVMA_REQUIRE_KERNELS=1) fails instead.</summary>
public class ReportChromiumTests
{
    static string Write(string html)
    {
        var path = Path.Combine(Path.GetTempPath(), $"anonvma-report-{Guid.NewGuid():N}.html");
        File.WriteAllText(path, html);
        return path;
    }

    static ChromiumResult CheckHtml(string html)
    {
        var path = Write(html);
        try { return ChromiumCheck.Check(path); }
        finally { File.Delete(path); }
    }

    [SkippableFact]
    public void Chromium_draws_all_four_charts()
    {
        Components.Chromium();
        var one = ReportSamples.Empty() with { Timeline = [ReportSamples.Sample(12, 1, 5, 1_000, findings: 1)] };
        foreach (var data in new[] { ReportSamples.Realistic(mutation: "NoMergeOnName"), ReportSamples.Empty(), one })
        {
            var r = CheckHtml(HtmlReport.Render(data));
            Assert.True(r.Ran, r.Problem);
            Assert.True(r.Ok, r.Problem);
            Assert.Equal(4, r.ChartsExpected);
            Assert.Equal(4, r.ChartsDrawn);
        }
    }

    [SkippableFact]
    public void Chromium_check_fails_on_a_line_without_points_and_on_a_zero_size_chart()
    {
        Components.Chromium();
        var html = HtmlReport.Render(ReportSamples.Realistic());
        var broken = new[]
        {
            // The throughput chart's first line loses its points.
            ("throughput", new Regex(@"(<polyline class=""series""[^>]* points="")[^""]*").Replace(html, "$1", 1)),
            // The memory chart is squashed to nothing.
            ("memory", html.Replace("<svg class=\"chart\" data-chart=\"memory\"", "<svg class=\"chart\" data-chart=\"memory\" style=\"width:0;height:0\"")),
        };
        foreach (var (chart, page) in broken)
        {
            var r = CheckHtml(page);
            Assert.True(r.Ran, r.Problem);
            Assert.Equal(4, r.ChartsExpected);
            Assert.Equal(3, r.ChartsDrawn);
            Assert.Contains($"not drawn: {chart}", r.Problem);
        }
    }

    [SkippableFact]
    public void Chromium_check_reports_a_page_whose_script_did_not_run()
    {
        Components.Chromium();
        var r = CheckHtml("<!DOCTYPE html><html><body><p>no report here</p></body></html>");
        Assert.True(r.Ran, r.Problem);
        Assert.False(r.Ok);
        Assert.Contains("did not run", r.Problem);
    }

    [SkippableFact]
    public void Chromium_takes_a_screenshot()
    {
        Components.Chromium();
        var html = Write(HtmlReport.Render(ReportSamples.Realistic()));
        var png = Path.ChangeExtension(html, ".png");
        try
        {
            Assert.Null(ChromiumCheck.Screenshot(html, png));
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
        finally
        {
            File.Delete(html);
            File.Delete(png);
        }
    }

    [SkippableFact]
    public void A_run_past_its_timeout_is_killed_with_its_children()
    {
        Components.Chromium();
        var html = Write(HtmlReport.Render(ReportSamples.Realistic()));
        try
        {
            var r = ChromiumCheck.Check(html, TimeSpan.FromMilliseconds(100));
            Assert.False(r.Ran);
            Assert.Contains("did not finish within", r.Problem);
        }
        finally { File.Delete(html); }
        Thread.Sleep(500);
        // A killed run's profile directory is deleted with it, so a Chromium whose profile is gone outlived its run;
        // one whose profile still exists belongs to a check running right now (another test, another process).
        string flag = "--user-data-dir=" + Path.Combine(Path.GetTempPath(), "anonvma-chromium-");
        var left = Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "cmdline")).Where(File.Exists)
            .Select(f => { try { return File.ReadAllText(f).Split('\0'); } catch (IOException) { return []; } })
            .Where(args => args.Any(a => a.StartsWith(flag, StringComparison.Ordinal) && !Directory.Exists(a["--user-data-dir=".Length..])))
            .Select(args => string.Join(' ', args))
            .ToList();
        Assert.True(left.Count == 0, "left running: " + string.Join("\n", left));
    }

    [Fact]
    public void The_dumped_DOM_is_read_back_with_the_charts_not_drawn_named()
    {
        var r = ChromiumCheck.ParseDom("""
            <html><head></head><body class="x" data-charts="1/3" data-not-drawn="b, c">
            <svg class="chart" data-chart="a"></svg><svg class="chart" data-chart="b"></svg><svg class="chart" data-chart="c"></svg></body></html>
            """);
        Assert.Equal(new ChromiumResult(true, 3, 1, "only 1 of 3 charts drawn; not drawn: b, c"), r);
        Assert.Equal(new ChromiumResult(true, 2, 2, null), ChromiumCheck.ParseDom("<body data-not-drawn=\"\" data-charts=\"2/2\">"));
        Assert.Equal(new ChromiumResult(true, 0, 0, "the page has no svg.chart element"), ChromiumCheck.ParseDom("<body data-charts=\"0/0\">"));
        Assert.False(ChromiumCheck.ParseDom("").Ran);
    }

    [Fact]
    public void A_missing_page_is_a_problem_not_a_crash()
    {
        var r = ChromiumCheck.Check("/nonexistent/report.html");
        Assert.False(r.Ran);
        Assert.Contains("no such file", r.Problem);
    }
}
