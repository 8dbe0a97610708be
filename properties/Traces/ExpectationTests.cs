using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Traces;

namespace AnonVma.Properties.Traces;

/// <summary>Expectations recorded from a run hold for that run, and a wrong result or maps line is reported.</summary>
public class ExpectationTests
{
    const ulong B = Trace.DefaultArenaBase, P = Mem.PageSize;
    static readonly ModelJudge Model = new(KernelProfile.Linux612);

    static readonly Trace Named = new("named", B, 4 * P,
    [
        new MmapCall(0, B, 3 * P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace),
        new NameCall(0, B + P, P, "heap"),
        new ForkCall(0),
        new MunmapCall(1, B, P),
        new ExitCall(1),
        new MunmapCall(0, B + 0x10, P),
    ]);

    [Fact]
    public void A_recorded_run_matches_itself_and_survives_the_file()
    {
        var run = Model.RunOne(Named);
        var doc = Expectations.Record(TraceDocument.Of(Named, ("profile", "linux-6.12")), run, maps: true);
        Assert.Null(Expectations.FirstMismatch(doc, run));
        string text = TraceText.Print(doc);
        Assert.Contains("""
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, "heap") = 0
                maps p0:
                | 200000000000-200000001000 rw-p 00000000 00:00 0 
                | 200000001000-200000002000 rw-p 00000000 00:00 0                          [anon:heap]
                | 200000002000-200000003000 rw-p 00000000 00:00 0 
            p0: fork() = p1
            """, text);
        Assert.Contains("p1: exit() = ok\n    maps p0:\n", text);
        Assert.Contains("    gone p1\np0: munmap(0x200000000010, 0x1000) = -EINVAL\n", text);
        var back = TraceText.Parse(text, "named.trace");
        Assert.Equal(doc, back);
        Assert.Null(Expectations.FirstMismatch(back, run));
    }

    [Fact]
    public void A_wrong_result_is_the_first_mismatch()
    {
        var run = Model.RunOne(Named);
        var doc = Expectations.Record(TraceDocument.Of(Named), run, maps: false);
        Assert.All(doc.Expected, e => Assert.Null(e!.Views));
        var wrong = doc with { Expected = doc.Expected.Select((e, i) => i == 5 ? e! with { Result = "0" } : e).ToArray() };
        Assert.Equal("call 5 (p0: munmap(0x200000000010, 0x1000)): expected 0, observed -EINVAL", Expectations.FirstMismatch(wrong, run));
    }

    [Fact]
    public void A_wrong_maps_line_or_process_is_reported_with_a_diff()
    {
        var run = Model.RunOne(Named);
        var doc = Expectations.Record(TraceDocument.Of(Named), run, maps: true);
        var e1 = doc.Expected[1]!;
        var p0 = e1.Views![0];
        var renamed = p0 with { Maps = p0.Maps.Select(l => l.Replace("[anon:heap]", "[anon:heap2]")).ToArray() };
        var wrong = doc with { Expected = doc.Expected.Select((e, i) => i == 1 ? e1 with { Views = [renamed] } : e).ToArray() };
        Assert.Equal("""
            call 1 (p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, "heap")): p0 maps differ (inodes normalised)
            --- expected
            +++ observed
              200000000000-200000001000 rw-p 00000000 00:00 0 
            - 200000001000-200000002000 rw-p 00000000 00:00 0                          [anon:heap2]
            + 200000001000-200000002000 rw-p 00000000 00:00 0                          [anon:heap]
              200000002000-200000003000 rw-p 00000000 00:00 0 
            """, Expectations.FirstMismatch(wrong, run));

        var e4 = doc.Expected[4]!;
        var alive = doc with { Expected = doc.Expected.Select((e, i) => i == 4 ? e4 with { Views = [e4.Views![0]] } : e).ToArray() };
        Assert.Equal("call 4 (p1: exit()): expected no view of p1, observed p1 gone", Expectations.FirstMismatch(alive, run));
    }

    [Fact]
    public void A_run_that_stops_early_misses_the_later_expectations()
    {
        var run = Model.RunOne(Named);
        var doc = Expectations.Record(TraceDocument.Of(Named), run, maps: false);
        var cut = run with { End = RunEnd.Timeout, Detail = "call 3", Steps = run.Steps.Take(3).ToArray() };
        Assert.Equal("call 3 (p1: munmap(0x200000000000, 0x1000)): expected 0, but the run ended Timeout after 3 calls: call 3",
            Expectations.FirstMismatch(doc, cut));
        Assert.Throws<ArgumentException>(() => Expectations.Record(doc, cut, maps: false));
    }

    /// <summary>traces/README.md says its example is canonical and that the model meets it; keep that true.</summary>
    [Fact]
    public void The_readme_example_is_canonical_and_the_model_meets_it()
    {
        string readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "traces", "README.md"));
        int start = readme.IndexOf("```\nanonvma-trace 1\n", StringComparison.Ordinal) + 4;
        string text = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
        var doc = TraceText.Parse(text, "README.md example");
        Assert.Equal(text, TraceText.Print(doc));
        Assert.Null(Expectations.FirstMismatch(doc, new ModelJudge(KernelProfile.ByName(doc.Get("profile")!)!).RunOne(doc.Trace)));
    }

    [Fact]
    public void Recorded_generated_traces_match_their_runs_after_the_round_trip()
    {
        for (int seed = 0; seed < 50; seed++)
        {
            var trace = Realiser.Random(seed, 24, KernelProfile.Linux612);
            var run = Model.RunOne(trace);
            var doc = TraceText.Parse(TraceText.Print(Expectations.Record(TraceDocument.Of(trace), run, maps: true)), $"gen-{seed}.trace");
            Assert.Null(Expectations.FirstMismatch(doc, run));
        }
    }
}
