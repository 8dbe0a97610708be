using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The kernel's log as an observation ("option kmsg"): its K lines read back into a run, and compared with the model's
/// prediction on the kernel's reports of its own bugs only, whatever pointer check_mm printed.
/// </summary>
public class KernelLogTests
{
    const string Output = """
        T t begin
        C 0 p0 ok
        O p0 gone
        K clocksource: Switched to clocksource tsc
        K BUG: Bad rss-counter state mm:(____ptrval____) type:MM_SHMEMPAGES val:2
        K BUG: Bad rss-counter state mm:00000000a1b2c3d4 type:MM_ANONPAGES val:-2
        T t end
        """;

    static TraceRun Predicted(params string[] lines) => new("t", RunEnd.Completed, null, [new Step(0, 0, "ok", [new ProcessView(0, true, [], [])])], lines);

    static readonly Trace Trace = new("t", 0x200000000000, 0x8000, [new ExitCall(0)]);

    [Fact]
    public void K_lines_become_the_runs_kernel_log_and_print_back()
    {
        var run = ExecutorOutput.Parse(Output).Single();
        Assert.Equal(3, run.KernelLog!.Count);
        Assert.Equal(run.KernelLog, ExecutorOutput.Parse(ExecutorOutput.Print(run)).Single().KernelLog);
        Assert.Null(ExecutorOutput.Parse("T u begin\nT u end\n").Single().KernelLog); // not asked for: no log, not an empty one
    }

    [Fact]
    public void A_K_line_outside_a_trace_is_an_error_that_names_its_line()
    {
        var e = Assert.Throws<ExecutorOutputException>(() => ExecutorOutput.Parse("T t begin\nT t end\nK BUG: late\n", "out.txt"));
        Assert.StartsWith("out.txt:3: a 'K' line outside a trace", e.Message);
    }

    [Fact]
    public void Logs_are_compared_on_bug_reports_with_pointers_normalised_and_in_any_order()
    {
        var kernel = ExecutorOutput.Parse(Output).Single();
        var same = Predicted("BUG: Bad rss-counter state mm:… type:MM_ANONPAGES val:-2", "BUG: Bad rss-counter state mm:… type:MM_SHMEMPAGES val:2");
        Assert.Null(Comparison.FirstDifference(Trace, "model", same, "kernel", kernel));
        var off = Predicted("BUG: Bad rss-counter state mm:… type:MM_ANONPAGES val:-1", "BUG: Bad rss-counter state mm:… type:MM_SHMEMPAGES val:1");
        Assert.Equal(DifferenceKind.KernelLog, Comparison.FirstDifference(Trace, "model", off, "kernel", kernel)?.Kind);
        Assert.Equal(DifferenceKind.KernelLog, Comparison.FirstDifference(Trace, "model", Predicted(), "kernel", kernel)?.Kind);
        // a run read without its log is not held to one
        Assert.Null(Comparison.FirstDifference(Trace, "model", Predicted() with { KernelLog = null }, "kernel", kernel));
    }
}
