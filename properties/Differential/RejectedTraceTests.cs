using AnonVma.Fuzz;
using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Properties.Differential;

/// <summary>
/// A trace the executor refuses (here an mmap of a handle no call created, what dropping a memfd_create leaves) is
/// reported as a refusal, never as a difference at a call, so a shrinker chasing a difference cannot drift into it.
/// </summary>
public class RejectedTraceTests
{
    [Fact]
    public void A_refused_trace_is_a_rejected_finding_not_a_difference_at_a_call()
    {
        const ulong A = Trace.DefaultArenaBase;
        var trace = new Trace("dangling-handle", A, 8 * Mem.PageSize,
        [
            new MunmapCall(0, A, Mem.PageSize),
            new MmapCall(0, A, Mem.PageSize, Prot.ReadWrite, Map.Private | Map.Fixed, 0, 0),
        ]);
        var finding = new DifferentialOracle(Kernels.Native).Check([trace])[0];
        Assert.NotNull(finding);
        Assert.Equal("rejected", finding.CallKind);
        Assert.Contains("does not hold h0", finding.Expected);
    }
}
