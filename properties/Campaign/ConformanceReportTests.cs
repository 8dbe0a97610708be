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

/// <summary>
/// A class's smallest trace is shown call by call with both sides (SideBySide), from runs stored in the executor's
/// output format (ExecutorOutput.Print, read back by ExecutorOutput.Parse).
/// </summary>
public class SideBySideTests
{
    static (AnonVma.Model.Trace Trace, AnonVma.Model.TraceRun Linux, AnonVma.Model.TraceRun Other) Runs()
    {
        var trace = Realiser.Random(5, 6, AnonVma.Model.KernelProfile.Linux612);
        var linux = new AnonVma.Judges.ModelJudge(AnonVma.Model.KernelProfile.Linux612).Run([trace])[0];
        // The other side: the last call's result differs, and p0's Rss after the first call that reports a VMA.
        int withVma = linux.Steps.ToList().FindIndex(s => s.Processes.Any(p => p.Pid == 0 && p.Smaps.Any(l => l.StartsWith("Rss:"))));
        Assert.True(withVma >= 0, "the trace maps nothing: pick another seed");
        var steps = linux.Steps.Select((s, i) => i == withVma
            ? s with { Processes = [.. s.Processes.Select(p => p.Pid != 0 ? p : p with { Smaps = [.. p.Smaps.Select(l => l.StartsWith("Rss:") ? "Rss:                  44 kB" : l)] })] }
            : i == linux.Steps.Count - 1 ? s with { Result = "-EIO" } : s).ToList();
        return (trace, linux, linux with { Steps = steps });
    }

    [Fact]
    public void Stored_runs_read_back_as_they_were()
    {
        var (_, linux, other) = Runs();
        foreach (var run in new[] { linux, other, other with { End = AnonVma.Model.RunEnd.Crash, Detail = "crash p1 SIGSEGV" } })
        {
            var back = AnonVma.Judges.ExecutorOutput.Parse(AnonVma.Judges.ExecutorOutput.Print(run)).Single();
            Assert.Equal((run.TraceId, run.End, run.Detail), (back.TraceId, back.End, back.Detail));
            Assert.Equal(AnonVma.Judges.Comparison.Observed(run), AnonVma.Judges.Comparison.Observed(back));
        }
    }

    [Fact]
    public void Every_call_is_shown_with_both_sides_and_only_the_differences_are_marked()
    {
        var (trace, linux, other) = Runs();
        var sides = AnonVma.Judges.SideBySide.Build(trace, linux, other);
        Assert.Equal(trace.Calls.Count, sides.Count);
        Assert.All(sides, c => Assert.Equal("result", c.Rows[0].What));
        var differing = sides.SelectMany(c => c.Rows.Where(r => r.Differs).Select(r => (c.Index, r.What))).ToList();
        Assert.Equal(2, differing.Count);
        Assert.Contains(differing, d => d.What == "p0 smaps");
        Assert.Contains((trace.Calls.Count - 1, "result"), differing);
        // Equal smaps are left out; maps are always shown.
        Assert.All(sides, c => Assert.Contains(c.Rows, r => r.What == "result"));
        Assert.Equal(1, sides.Sum(c => c.Rows.Count(r => r.What.EndsWith("smaps"))));

        var finding = new ReportFinding(new FindingRecord("differs:smaps at mmap on gvisor", "d", "differs:smaps", "mmap", "gvisor", "differential", "gvisor", 5, "m", 1, 6),
            1, "trace t\n", trace.Calls.Count, "findings/d/shrunk.trace", null, sides);
        var data = new ReportData("AnonVma campaign", new AnonVma.Campaign.CampaignConfig { Judges = ["model", "native", "gvisor"] },
            new AnonVma.Campaign.CampaignState(), [], [finding], Coverage.Expected, DateTimeOffset.UnixEpoch);
        string md = ConformanceReport.Markdown(data, "gvisor"), html = ConformanceReport.Html(data, "gvisor");
        Assert.Contains("| call | | Linux | gvisor |", md);
        Assert.Contains($"| `0: {AnonVma.Judges.WireFormat.Line(trace.Calls[0])}` | result |", md);
        Assert.Contains("| ≠ p0 smaps |", md);
        Assert.Contains("`Rss:                  44 kB`", md);
        Assert.Contains("| ≠ result | ", md);
        Assert.Contains("`-EIO` |", md);
        Assert.Equal(2, html.Split("<tr class=\"differs\">").Length - 1);
    }
}
