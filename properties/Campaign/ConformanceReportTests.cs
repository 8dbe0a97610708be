using AnonVma.Campaign;
using AnonVma.Campaign.Report;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties.Campaign;

/// <summary>A conformance report holds one implementation's classes only, counts them in the right cells, and escapes what it embeds.</summary>
public class ConformanceReportTests
{
    static FindingRecord Record(string check, string call, string judge, string message = "differs") =>
        new($"{check} at {call} on {judge}", $"{check}-{call}-{judge}".Replace(':', '-'), check, call, judge, "differential", judge, 7, message, 1, 24);

    static ReportData Sample()
    {
        var findings = new List<ReportFinding>
        {
            new(Record("differs:smaps", "mmap", "gvisor"), 232, "trace t\n# expected (Linux): <Rss 0>\n", 1, "findings/a/shrunk.trace", "findings/a/repro.c"),
            new(Record("differs:result", "mlock2", "gvisor"), 10, null, null, "findings/b/original.trace", null),
            new(Record("differs:alive", "exit", "gvisor"), 8, "trace u\n", 2, "findings/c/shrunk.trace", "findings/c/repro.c"),
            new(Record("differs:result", "fork", "qemu-user"), 146, "trace v\n", 1, "findings/d/shrunk.trace", "findings/d/repro.c"),
            new(Record("differs:smaps", "munmap", "native"), 3, "trace w\n", 3, "findings/e/shrunk.trace", null),
        };
        var state = new CampaignState
        {
            Traces = new() { ["main"] = 2112, ["gvisor"] = 448 },
            JudgeCalls = new() { ["gvisor"] = 24416 },
            NotImplemented = new() { ["gvisor"] = ["smaps field Pss_Dirty"] },
        };
        return new ReportData("AnonVma campaign", new CampaignConfig { Judges = ["model", "native", "gvisor"] }, state, [], findings,
            Coverage.Expected, new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void Markdown_lists_the_implementation_classes_by_count_with_the_table_and_what_is_not_implemented()
    {
        string md = ConformanceReport.Markdown(Sample(), "gvisor");
        Assert.StartsWith("# gVisor (runsc, ptrace platform) against Linux\n", md);
        Assert.Contains("448 generated traces (24,416 calls) ran under gvisor", md);
        Assert.Contains("3 divergence classes", md);
        Assert.Contains("- smaps field Pss_Dirty\n", md);
        // Most frequent first; another judge's findings never appear.
        Assert.True(md.IndexOf("## 1. differs:smaps at mmap") < md.IndexOf("## 2. differs:result at mlock2"));
        Assert.Contains("## 3. differs:alive at exit", md);
        Assert.DoesNotContain("146", md);
        Assert.DoesNotContain("munmap", md.Split("## 1.")[1]);
        // The table: mmap's smaps cell, mlock's result cell (mlock2 is of the mlock family), fork's "other" cell (exit).
        Assert.Contains("| mmap |  |  | 1 |  |", md);
        Assert.Contains("| mlock | 1 |  |  |  |", md);
        Assert.Contains("| fork |  |  |  | 1 |", md);
        Assert.Contains("Not shrunk yet (`findings/b/original.trace`)", md);
        Assert.Contains("C reproducer: `findings/a/repro.c`", md);
    }

    [Fact]
    public void Html_escapes_the_traces_it_embeds_and_says_when_nothing_is_missing()
    {
        string html = ConformanceReport.Html(Sample(), "gvisor");
        Assert.Contains("&lt;Rss 0&gt;", html);
        Assert.DoesNotContain("<Rss 0>", html);
        string user = ConformanceReport.Html(Sample(), "qemu-user");
        Assert.Contains("Nothing was found missing by probing.", user);
        Assert.Contains("1 divergence class.", user);
    }
}
