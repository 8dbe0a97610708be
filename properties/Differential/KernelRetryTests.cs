using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Properties.Differential;

/// <summary>
/// A kernel run that timed out or was lost (a loaded machine, as a campaign beside a test suite makes it) is run once
/// more before it counts: the campaign of 2026-12-03 recorded eleven "differs:end" findings in ten seconds of load 39,
/// each a trace whose p0 did not start within the executor's 2 s.
/// </summary>
public class KernelRetryTests
{
    /// <summary>The model's own answers, except that the first <c>failures</c> runs of a trace end as <c>end</c>.</summary>
    sealed class FlakyKernel(int failures, RunEnd end) : IJudge
    {
        readonly ModelJudge model = new(KernelProfile.Linux612);
        int calls;
        public int Runs;
        public string Name => "flaky";
        public KernelProfile Profile => KernelProfile.Linux612;

        public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces)
        {
            Runs++;
            return model.Run(traces).Select(r => calls++ < failures ? new TraceRun(r.TraceId, end, "timeout -1", []) : r).ToList();
        }
    }

    static Trace OneMmap()
    {
        const ulong A = Trace.DefaultArenaBase;
        return new Trace("one", A, 8 * Mem.PageSize,
            [new MmapCall(0, A, Mem.PageSize, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace, 0, 0)]);
    }

    [Theory]
    [InlineData(RunEnd.Timeout)]
    [InlineData(RunEnd.Lost)]
    public void One_timed_out_or_lost_run_is_run_again_and_then_agrees(RunEnd end)
    {
        var kernel = new FlakyKernel(1, end);
        Assert.Null(new DifferentialOracle(kernel, judge: "flaky").Check([OneMmap()])[0]);
        Assert.Equal(2, kernel.Runs);
    }

    [Fact]
    public void Two_timed_out_runs_are_a_finding()
    {
        var kernel = new FlakyKernel(2, RunEnd.Timeout);
        var finding = new DifferentialOracle(kernel, judge: "flaky").Check([OneMmap()])[0];
        Assert.NotNull(finding);
        Assert.Equal(2, kernel.Runs);
    }

    [Fact]
    public void A_trace_whose_p0_never_began_parses_as_its_timeout()
    {
        var runs = ExecutorOutput.Parse("T a timeout -1\nT b crash p0 SIGKILL\nT c begin\nT c end\n");
        Assert.Equal([RunEnd.Timeout, RunEnd.Crash, RunEnd.Completed], runs.Select(r => r.End));
        Assert.All(runs, r => Assert.Empty(r.Steps));
    }
}
