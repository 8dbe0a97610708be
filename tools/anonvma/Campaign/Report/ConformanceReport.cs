using System.Text;

namespace AnonVma.Campaign.Report;

/// <summary>
/// What a campaign found a re-implementation of Linux (gVisor, QEMU user mode) doing differently from Linux, written
/// for its maintainers: one section per divergence class (a bug report each), with its count, its smallest trace,
/// Linux's and the implementation's sides, and its C reproducer; a table by call family and kind; and, listed once,
/// what the implementation does not implement and so was left out of the comparison.
/// </summary>
public static class ConformanceReport
{
    /// <summary>The call families of the summary table, and the call kinds (Realiser.Kind) each one holds.</summary>
    public static readonly IReadOnlyList<(string Family, string[] Kinds)> Families =
    [
        ("mmap", ["mmap", "memfd", "file"]), ("munmap", ["munmap"]), ("mprotect", ["mprotect"]),
        ("mlock", ["mlock", "mlock2", "munlock", "setcreds"]), ("madvise", ["madvise"]), ("naming", ["name", "name_arg2"]),
        ("touch", ["touch"]), ("fork", ["fork", "exit"]),
    ];

    /// <summary>The difference kinds of the summary table; "other" holds the rest (a process alive on one side only, a run's end).</summary>
    public static readonly IReadOnlyList<string> Kinds = ["result", "maps", "smaps", "other"];

    /// <summary>conformance-JUDGE.md and .html in the campaign directory.</summary>
    public static (string Markdown, string Html) Paths(CampaignDirectory dir, string judge) =>
        (Path.Combine(dir.Path, $"conformance-{judge}.md"), Path.Combine(dir.Path, $"conformance-{judge}.html"));

    static IReadOnlyList<ReportFinding> Classes(ReportData data, string judge) =>
        [.. data.Findings.Where(f => f.Record.Judge == judge).OrderByDescending(f => f.Count).ThenBy(f => f.Record.Signature, StringComparer.Ordinal)];

    static string FamilyOf(string callKind) => Families.FirstOrDefault(f => f.Kinds.Contains(callKind)).Family ?? callKind;

    static string KindOf(string check) => check.StartsWith("differs:") && Kinds.Contains(check["differs:".Length..]) ? check["differs:".Length..] : "other";

    /// <summary>Classes per (family, kind), for the summary table.</summary>
    static Dictionary<(string, string), int> Table(IReadOnlyList<ReportFinding> classes) =>
        classes.GroupBy(f => (FamilyOf(f.Record.CallKind), KindOf(f.Record.Check))).ToDictionary(g => g.Key, g => g.Count());

    static string Title(string judge) => AnonVma.Judges.ImplementationJudge.ByKey(judge)?.Title ?? judge;

    public static string Markdown(ReportData data, string judge)
    {
        var classes = Classes(data, judge);
        var sb = new StringBuilder();
        long traces = data.State.Traces.GetValueOrDefault(judge), calls = data.State.JudgeCalls.GetValueOrDefault(judge);
        sb.Append($"# {Title(judge)} against Linux\n\n");
        sb.Append($"{traces:N0} generated traces ({calls:N0} calls) ran under {judge}; each was compared with Linux: this machine's " +
                  "kernel first, and the model, which is exact on it. ");
        sb.Append($"{classes.Count} divergence class{(classes.Count == 1 ? "" : "es")}, each below with its smallest trace and a C reproducer.\n\n");
        var missing = data.State.NotImplemented.GetValueOrDefault(judge) ?? [];
        sb.Append("## Not implemented\n\n");
        sb.Append(missing.Count == 0 ? "Nothing was found missing by probing.\n\n"
            : "Found missing by probing, and left out of every comparison:\n\n" + string.Concat(missing.Select(m => $"- {m}\n")) + "\n");
        sb.Append("## Classes by call family and kind\n\n| family | " + string.Join(" | ", Kinds) + " |\n|---|" + string.Concat(Kinds.Select(_ => "---|")) + "\n");
        var table = Table(classes);
        foreach (var (family, _) in Families)
            sb.Append($"| {family} | " + string.Join(" | ", Kinds.Select(k => table.GetValueOrDefault((family, k)) is var n && n > 0 ? n.ToString() : "")) + " |\n");
        sb.Append('\n');
        int i = 0;
        foreach (var f in classes)
        {
            var r = f.Record;
            sb.Append($"## {++i}. {r.Check} at {r.CallKind}\n\n");
            sb.Append($"Seen in {f.Count:N0} trace{(f.Count == 1 ? "" : "s")}; first at seed {r.Seed}. {r.Message}\n\n");
            sb.Append(f.ShrunkCalls is { } n ? $"Smallest trace ({n} call{(n == 1 ? "" : "s")}, `{f.TracePath}`), with Linux's side (expected) and {judge}'s (observed) at the first difference:\n\n"
                                             : $"Not shrunk yet (`{f.TracePath}`).\n\n");
            if (f.ShrunkTrace is { } text) sb.Append("```\n").Append(text.TrimEnd()).Append("\n```\n\n");
            if (f.Sides is { } sides) SidesMarkdown(sb, sides, judge);
            if (f.ReproducerPath is { } repro) sb.Append($"C reproducer: `{repro}` (`cc {Path.GetFileName(repro)} -o repro && ./repro`, natively and under {judge}).\n\n");
        }
        return sb.ToString();
    }

    /// <summary>The smallest trace's calls with both sides' results, maps and differing smaps, one table row each.</summary>
    static void SidesMarkdown(StringBuilder sb, IReadOnlyList<AnonVma.Judges.SideBySide.Call> sides, string judge)
    {
        static string Cell(string s) => string.Join("<br>", s.Split('\n').Select(l => l.Length == 0 ? "" : $"`{l.Replace("|", "\\|")}`"));
        sb.Append($"Call by call (≠ marks a difference):\n\n| call | | Linux | {judge} |\n|---|---|---|---|\n");
        foreach (var c in sides)
        {
            bool first = true;
            foreach (var r in c.Rows)
            {
                sb.Append($"| {(first ? (c.Index < 0 ? c.Text : $"`{c.Index}: {c.Text.Replace("|", "\\|")}`") : "")} | {(r.Differs ? "≠ " : "")}{r.What} | {Cell(r.Left)} | {Cell(r.Right)} |\n");
                first = false;
            }
        }
        sb.Append('\n');
    }

    static void SidesHtml(StringBuilder sb, IReadOnlyList<AnonVma.Judges.SideBySide.Call> sides, string judge)
    {
        string E(string s) => HtmlReport.Escape(s);
        sb.Append($"<p>Call by call (differences highlighted):</p>\n<table class=\"sides\"><tr><th>call</th><th></th><th>Linux</th><th>{E(judge)}</th></tr>\n");
        foreach (var c in sides)
            for (int k = 0; k < c.Rows.Count; k++)
            {
                var r = c.Rows[k];
                string call = k > 0 ? "" : c.Index < 0 ? E(c.Text) : $"<code>{c.Index}: {E(c.Text)}</code>";
                sb.Append($"<tr{(r.Differs ? " class=\"differs\"" : "")}><td>{call}</td><td>{(r.Differs ? "≠ " : "")}{E(r.What)}</td>" +
                          $"<td><pre>{E(r.Left)}</pre></td><td><pre>{E(r.Right)}</pre></td></tr>\n");
            }
        sb.Append("</table>\n");
    }

    public static string Html(ReportData data, string judge)
    {
        var classes = Classes(data, judge);
        string E(string s) => HtmlReport.Escape(s);
        var sb = new StringBuilder();
        sb.Append($"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{E(Title(judge))} against Linux</title>\n");
        sb.Append("<style>body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2937}" +
                  "pre{background:#f3f4f6;padding:.8em;overflow-x:auto;font-size:12px}table{border-collapse:collapse}" +
                  "td,th{border:1px solid #d1d5db;padding:.25em .6em;text-align:center}td:first-child{text-align:left}" +
                  "h2{border-bottom:1px solid #e5e7eb;padding-bottom:.2em}.count{color:#6b7280}" +
                  "table.sides td{text-align:left;vertical-align:top}table.sides pre{margin:0;padding:.3em;background:none}" +
                  "tr.differs td{background:#fef2f2}tr.differs td:nth-child(2){color:#b91c1c;font-weight:600}</style></head><body>\n");
        long traces = data.State.Traces.GetValueOrDefault(judge), calls = data.State.JudgeCalls.GetValueOrDefault(judge);
        sb.Append($"<h1>{E(Title(judge))} against Linux</h1>\n<p>{traces:N0} generated traces ({calls:N0} calls) ran under {E(judge)}; each was compared " +
                  $"with Linux: this machine's kernel first, and the model, which is exact on it. {classes.Count} divergence class{(classes.Count == 1 ? "" : "es")}.</p>\n");
        var missing = data.State.NotImplemented.GetValueOrDefault(judge) ?? [];
        sb.Append("<h2>Not implemented</h2>\n");
        sb.Append(missing.Count == 0 ? "<p>Nothing was found missing by probing.</p>\n"
            : "<p>Found missing by probing, and left out of every comparison:</p><ul>" + string.Concat(missing.Select(m => $"<li>{E(m)}</li>")) + "</ul>\n");
        sb.Append("<h2>Classes by call family and kind</h2>\n<table><tr><th>family</th>" + string.Concat(Kinds.Select(k => $"<th>{k}</th>")) + "</tr>\n");
        var table = Table(classes);
        foreach (var (family, _) in Families)
            sb.Append($"<tr><td>{family}</td>" + string.Concat(Kinds.Select(k => $"<td>{(table.GetValueOrDefault((family, k)) is var n && n > 0 ? n : "")}</td>")) + "</tr>\n");
        sb.Append("</table>\n");
        int i = 0;
        foreach (var f in classes)
        {
            var r = f.Record;
            sb.Append($"<h2 id=\"c{++i}\">{i}. {E(r.Check)} at {E(r.CallKind)} <span class=\"count\">×{f.Count:N0}</span></h2>\n");
            sb.Append($"<p>First at seed {r.Seed}. {E(r.Message)}</p>\n");
            sb.Append(f.ShrunkCalls is { } n
                ? $"<p>Smallest trace ({n} call{(n == 1 ? "" : "s")}, <a href=\"{E(f.TracePath)}\">{E(f.TracePath)}</a>), with Linux's side (expected) and {E(judge)}'s (observed) at the first difference:</p>\n"
                : $"<p>Not shrunk yet (<a href=\"{E(f.TracePath)}\">{E(f.TracePath)}</a>).</p>\n");
            if (f.ShrunkTrace is { } text) sb.Append($"<pre>{E(text.TrimEnd())}</pre>\n");
            if (f.Sides is { } sides) SidesHtml(sb, sides, judge);
            if (f.ReproducerPath is { } repro) sb.Append($"<p>C reproducer: <a href=\"{E(repro)}\">{E(repro)}</a></p>\n");
        }
        sb.Append($"<p class=\"count\">Generated {data.GeneratedAt:yyyy-MM-dd HH:mm} UTC by AnonVma.</p></body></html>\n");
        return sb.ToString();
    }
}
