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
        var missing = Missing(data);
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

            generated {Cell(Generated(data.GeneratedAt))} · shard {Cell(c.Shard)} · judges {Cell(string.Join(", ", c.Judges))}

            {warning}| | | |
            |---|---:|---|
            {string.Concat(Numbers(data).Select(n => $"| {Cell(n.Key)} | {Cell(n.Value)} | {Cell(n.Sub)} |\n"))}
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
