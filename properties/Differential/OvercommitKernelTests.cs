using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// Overcommit and the memory limit on this machine's kernel. The boundary sizes depend on the machine's RAM and swap,
/// so the traces are built from the probed profile (the 6.12 ones are OvercommitScenarios, replayed under QEMU).
/// </summary>
public class OvercommitKernelTests(ITestOutputHelper log)
{
    const ulong B = 0x200000000000, P = 4096;
    const int RW = Prot.Read | Prot.Write, R = Prot.Read;
    const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace, SharedF = Map.Shared | Map.Anonymous | Map.FixedNoReplace;

    static Trace Make(string id, ulong arena, params Call[] calls) => new(id, B, arena, calls);

    /// <summary>The OvercommitScenarios' cases at this machine's RAM + swap (none populates, so none needs the memory).</summary>
    static List<Trace> BoundaryTraces(KernelProfile profile)
    {
        ulong limit = (profile.TotalRamPages + profile.TotalSwapPages) * P;
        ulong arena = limit + 4 * P, half = (limit / 2 / P + 1) * P;
        return
        [
            Make("exact-fits", arena, new MmapCall(0, B, limit, RW, F, -1, 0), new MunmapCall(0, B, limit), new MmapCall(0, B, limit + P, RW, F, -1, 0)),
            Make("noreserve", arena, new MmapCall(0, B, limit + P, RW, F | Map.NoReserve, -1, 0)),
            Make("read-only", arena, new MmapCall(0, B, limit + P, R, F, -1, 0)),
            Make("shared", arena, new MmapCall(0, B, limit + P, RW, SharedF, -1, 0), new MmapCall(0, B, limit + P, R, SharedF, -1, 0),
                new MmapCall(0, B, limit + P, RW, SharedF | Map.NoReserve, -1, 0)),
            Make("mprotect", arena, new MmapCall(0, B, limit + P, R, F, -1, 0), new MprotectCall(0, B, limit + P, RW),
                new MprotectCall(0, B, P, RW), new MprotectCall(0, B, P, R), new MprotectCall(0, B, limit + P, RW)),
            Make("fixed-over-accounted", arena, new MmapCall(0, B, limit, RW, F, -1, 0),
                new MmapCall(0, B, limit + P, RW, Map.Private | Map.Anonymous | Map.Fixed, -1, 0)),
            Make("refused-fixed-splits", arena, new MmapCall(0, B, 4 * P, R, F, -1, 0),
                new MmapCall(0, B + P, limit + P, RW, Map.Private | Map.Anonymous | Map.Fixed, -1, 0)),
            Make("fork-refused", 2 * half, new MmapCall(0, B, half, RW, F, -1, 0), new MmapCall(0, B + half, half, RW, F, -1, 0),
                new TouchCall(0, B, true), new ForkCall(0), new MunmapCall(0, B + half, half), new ForkCall(0)),
        ];
    }

    [Fact]
    public void Overcommit_boundaries_agree_with_this_machine_kernel()
    {
        var judge = Kernels.Native;
        log.WriteLine($"profile: overcommit {judge.Profile.Overcommit}, {judge.Profile.TotalRamPages} RAM pages, {judge.Profile.TotalSwapPages} swap pages");
        var d = Differential.Run(judge, BoundaryTraces(judge.Profile));
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
        if (judge.Profile.Overcommit == OvercommitMode.Guess)
        {
            // The kernel itself refused what the model refuses: the exact size fits, one page more does not.
            var exact = d.Kernel[0].Steps;
            Assert.Equal(["0x200000000000", "0", "-ENOMEM"], exact.Select(s => s.Result));
            Assert.Equal("-ENOMEM", d.Kernel[7].Steps[3].Result);
        }
    }

    [SkippableFact]
    public void A_trace_populating_past_the_memory_limit_is_reported_as_killed_by_it_and_the_batch_goes_on()
    {
        using (var probe = MemoryCgroup.TryCreate(ExecutorMemory.LimitBytes))
            Skip.If(probe is null, $"no memory cgroup on this machine, so the executor runs without a limit: {MemoryCgroup.WhyNot}");
        // Three populating mappings of half the limit each: every one passes overcommit, the third cannot fit. The OOM
        // killer's reclaim attempts take a few seconds, hence the long per-call timeout.
        ulong half = ExecutorMemory.LimitBytes / 2;
        int populate = F | Map.Populate;
        var big = Make("past-the-limit", 4 * half,
            new MmapCall(0, B, half, RW, populate, -1, 0), new MmapCall(0, B + half, half, RW, populate, -1, 0),
            new MmapCall(0, B + 2 * half, half, RW, populate, -1, 0));
        var small = Make("after-it", P, new MmapCall(0, B, P, RW, F, -1, 0));
        var judge = NativeJudge.Create(callTimeoutMs: 60_000);
        var runs = judge.Run([big, small]);
        foreach (var r in runs) log.WriteLine($"{r.TraceId}: {r.End} {r.Detail} ({r.Steps.Count} steps)");
        Assert.Equal(RunEnd.Crash, runs[0].End);
        Assert.StartsWith($"killed by the memory limit (memory.max {ExecutorMemory.Limit}", runs[0].Detail);
        Assert.Contains("SIGKILL oom-kill", runs[0].Detail);
        Assert.Equal("0x200000000000", runs[0].Steps[0].Result);
        Assert.Equal(RunEnd.Completed, runs[1].End);
        Assert.Equal("0x200000000000", runs[1].Steps[0].Result);
    }
}
