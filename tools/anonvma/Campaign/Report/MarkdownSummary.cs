using System.Text.RegularExpressions;
using static AnonVma.Campaign.Report.HtmlReport;

namespace AnonVma.Campaign.Report;

/// <summary>The campaign for $GITHUB_STEP_SUMMARY, so the workflow run's page shows it without downloading report.html.</summary>
public static class MarkdownSummary
{
    /// <summary>The summary, ending with a newline.</summary>
    public static string Render(ReportData data)
    {
        var c = data.Config;
        var s = data.State;
        var missing = Missing(data);
        int expected = data.ExpectedCoverage.Distinct().Count();
        var judges = HtmlReport.Judges(data);
        (string, string)[] rows =
        [
            ("generated", Generated(data.GeneratedAt)),
            ("shard", c.Shard),
            ("judges", string.Join(", ", judges)),
            .. SeedsDone(data).Select(x => ($"seeds done ({x.Lane} lane)", N(x.Seeds))),
            ("traces", N(s.Traces.Values.Sum())),
            .. judges.Select(j => ($"calls ({j})", N(s.JudgeCalls.GetValueOrDefault(j)))),
            ("campaign time", Duration(s.Seconds)),
            ("sessions", N(s.Sessions)),
            ("findings", $"{N(data.Findings.Count)} distinct, in {N(data.Findings.Sum(f => f.Count))} traces"),
            ("coverage", $"{N(expected - missing.Count)} of {N(expected)} expected labels"),
            .. c.Mutation is { } m ? [("mutation", m)] : Array.Empty<(string, string)>(),
        ];
        string warning = c.Mutation is null ? "" : $"""
            > **WARNING: mutation {Cell(c.Mutation)} was on.** The model was deliberately wrong in this campaign, so its findings are expected and say nothing about the kernels.


            """;
        string findings = data.Findings.Count == 0 ? "No findings.\n" : $"""
            | signature | count | judge | seed | shrunk | trace |
            |---|---:|---|---:|---|---|
            {string.Concat(data.Findings.Select(f =>
                $"| {Cell(f.Record.Signature)} | {N(f.Count)} | {Cell(f.Record.Judge)} | {N(f.Record.Seed)} | {Cell(Shrunk(f))} | {Cell(f.TracePath)} |\n"))}
            """;
        string notReached = missing.Count == 0 ? "" : $"""
            **Coverage NOT REACHED** ({N(missing.Count)} expected label{(missing.Count == 1 ? "" : "s")}): {string.Join(", ", missing.Select(Cell))}


            """;
        return $"""
            ## {Cell(data.Title)}

            {warning}| | |
            |---|---:|
            {string.Concat(rows.Select(r => $"| {Cell(r.Item1)} | {Cell(r.Item2)} |\n"))}
            ### Findings ({N(data.Findings.Count)})

            {findings}
            {notReached}Charts, the shrunk traces and the full coverage table: report.html in the campaign directory.

            """;
    }

    /// <summary>
    /// Data made literal in a table cell: '|' would end the cell and a newline the row; the other characters would
    /// turn into emphasis, links, code or HTML. Every ASCII punctuation may be backslash-escaped in CommonMark.
    /// </summary>
    internal static string Cell(string text) =>
        Regex.Replace(text, @"[\x00-\x1F\\`*_\[\]<>|&~#!]", m => m.Value[0] switch
        {
            '\r' or '\n' or '\t' => " ",
            < ' ' => "",
            _ => "\\" + m.Value,
        });
}
