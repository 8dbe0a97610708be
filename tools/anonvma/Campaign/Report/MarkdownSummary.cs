using System.Text;

namespace AnonVma.Campaign.Report;

/// <summary>The campaign for $GITHUB_STEP_SUMMARY, so the workflow run's page shows it without downloading report.html.</summary>
public static class MarkdownSummary
{
    /// <summary>The summary, ending with a newline.</summary>
    public static string Render(ReportData data)
    {
        var sb = new StringBuilder();
        var c = data.Config;
        var s = data.State;
        sb.Append($"## {Cell(data.Title)}\n\n");
        if (c.Mutation is { } mutation)
            sb.Append($"> **WARNING: mutation {Cell(mutation)} was on.** The model was deliberately wrong in this campaign, ")
              .Append("so its findings are expected and say nothing about the kernels.\n\n");

        var missing = HtmlReport.Missing(data);
        int expected = data.ExpectedCoverage.Distinct().Count();
        long recurrences = data.Findings.Sum(f => f.Count);
        sb.Append("| | |\n|---|---:|\n");
        Row(sb, "generated", HtmlReport.Generated(data.GeneratedAt));
        Row(sb, "shard", c.Shard);
        Row(sb, "judges", string.Join(", ", HtmlReport.Judges(data)));
        foreach (var (lane, seeds, _) in HtmlReport.SeedsDone(data)) Row(sb, $"seeds done ({lane} lane)", HtmlReport.N(seeds));
        Row(sb, "traces", HtmlReport.N(s.Traces.Values.Sum()));
        foreach (var j in HtmlReport.Judges(data)) Row(sb, $"calls ({j})", HtmlReport.N(s.JudgeCalls.GetValueOrDefault(j)));
        Row(sb, "campaign time", HtmlReport.Duration(s.Seconds));
        Row(sb, "sessions", HtmlReport.N(s.Sessions));
        Row(sb, "findings", $"{HtmlReport.N(data.Findings.Count)} distinct, in {HtmlReport.N(recurrences)} traces");
        Row(sb, "coverage", $"{HtmlReport.N(expected - missing.Count)} of {HtmlReport.N(expected)} expected labels");
        if (c.Mutation is { } m) Row(sb, "mutation", m);
        sb.Append('\n');

        sb.Append($"### Findings ({HtmlReport.N(data.Findings.Count)})\n\n");
        if (data.Findings.Count == 0)
            sb.Append("No findings.\n\n");
        else
        {
            sb.Append("| signature | count | judge | seed | shrunk | trace |\n|---|---:|---|---:|---|---|\n");
            foreach (var f in data.Findings)
                sb.Append($"| {Cell(f.Record.Signature)} | {HtmlReport.N(f.Count)} | {Cell(f.Record.Judge)} | {HtmlReport.N(f.Record.Seed)} | ")
                  .Append($"{Cell(HtmlReport.Shrunk(f))} | {Cell(f.TracePath)} |\n");
            sb.Append('\n');
        }

        if (missing.Count > 0)
            sb.Append($"**Coverage NOT REACHED** ({HtmlReport.N(missing.Count)} expected label{(missing.Count == 1 ? "" : "s")}): ")
              .Append(string.Join(", ", missing.Select(Cell))).Append("\n\n");

        sb.Append("Charts, the shrunk traces and the full coverage table: report.html in the campaign directory.\n");
        return sb.ToString();
    }

    static void Row(StringBuilder sb, string key, string value) => sb.Append($"| {Cell(key)} | {Cell(value)} |\n");

    /// <summary>
    /// Data made literal in a table cell: '|' would end the cell and a newline the row; the other characters would
    /// turn into emphasis, links, code or HTML. Every ASCII punctuation may be backslash-escaped in CommonMark.
    /// </summary>
    internal static string Cell(string text)
    {
        var sb = new StringBuilder(text.Length + 8);
        foreach (char ch in text)
        {
            if (ch is '\r' or '\n' or '\t') { sb.Append(' '); continue; }
            if (ch < ' ') continue;
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '&' or '~' or '#' or '!') sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
