using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;
using AnonVma.Model.Kernel;
using AnonVma.Traces.Generate;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The madvise advice the model follows beyond what the default generator draws (GeneratorSettings.MoreAdvice: the
/// access pattern, WILLNEED, DONTNEED_LOCKED, FREE, REMOVE, COLD, PAGEOUT, POPULATE_READ and POPULATE_WRITE) against both real kernels on generated
/// traces, each call's result, maps and smaps compared; and the advice it does not follow refused, never answered.
/// </summary>
public class AdviceKernelTests(ITestOutputHelper log)
{
    static readonly GeneratorSettings More = new() { MoreAdvice = true };

    static List<Trace> Traces(KernelProfile profile, int count) =>
        Enumerable.Range(1, count).Select(s => Realiser.Random(s, 24, profile, More)).ToList();

    [SkippableFact]
    public void Generated_traces_with_later_advice_agree_with_linux_6_12()
    {
        var judge = Kernels.Qemu();
        Check(Differential.Run(judge, Traces(judge.Profile, 1500), parallel: 2));
    }

    [SkippableFact]
    public void Generated_traces_with_later_advice_agree_with_this_machines_kernel()
    {
        var judge = Kernels.Native;
        Check(Differential.Run(judge, Traces(judge.Profile, 1500)));
    }

    /// <summary>
    /// What the model does not follow is a trace error naming it, not an answer the kernel would not give: guard regions
    /// (from 6.13: the host), and transparent huge pages (a MADV_COLLAPSE that could collapse, a fault that could map a
    /// huge page in a MADV_HUGEPAGE mapping). (What a build lacks is EINVAL on the real kernels: AdviceScenarios.)
    /// </summary>
    [Fact]
    public void What_the_model_does_not_follow_is_refused_as_a_trace_error()
    {
        const ulong huge = Mem.HugePageSize;
        foreach (int advice in new[] { Madv.GuardInstall, Madv.GuardRemove })
        {
            var model = new LinuxModel(KernelProfile.Host618);
            model.Apply(new MmapCall(0, Trace.DefaultArenaBase, 4096, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
            var e = Assert.Throws<TraceException>(() => model.Apply(new MadviseCall(0, Trace.DefaultArenaBase, 4096, advice)));
            Assert.Contains("not modelled", e.Message);
            Assert.Contains(FlagFamily.Advice.Print((ulong)advice), e.Message);
        }
        var thp = new LinuxModel(KernelProfile.Host618);
        thp.Apply(new MmapCall(0, Trace.DefaultArenaBase, 2 * huge, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
        thp.Apply(new TouchCall(0, Trace.DefaultArenaBase, true)); // no VM_HUGEPAGE: an ordinary page
        var c = Assert.Throws<TraceException>(() => thp.Apply(new MadviseCall(0, Trace.DefaultArenaBase, 2 * huge, Madv.Collapse)));
        Assert.Contains("MADV_COLLAPSE", c.Message);
        thp.Apply(new MadviseCall(0, Trace.DefaultArenaBase + huge, huge, Madv.HugePage));
        var f = Assert.Throws<TraceException>(() => thp.Apply(new TouchCall(0, Trace.DefaultArenaBase + huge + 4096, false)));
        Assert.Contains("transparent huge page", f.Message);
    }

    void Check(Differential d)
    {
        log.WriteLine(d.Summary());
        var later = d.Traces.SelectMany(t => t.Calls).OfType<MadviseCall>().Where(m => GeneratorSettings.LaterAdvice.Contains(m.Advice)).ToList();
        var succeeded = d.Traces.SelectMany((t, i) => d.Kernel[i].Steps.Where(s => s.Result == "0").Select(s => t.Calls[s.Index]))
            .OfType<MadviseCall>().GroupBy(m => m.Advice).ToDictionary(g => g.Key, g => g.Count());
        log.WriteLine("later advice, calls and how many the kernel did (0): " + string.Join(", ", later.GroupBy(m => m.Advice).OrderBy(g => g.Key)
            .Select(g => $"{FlagFamily.Advice.Print((ulong)g.Key)} {g.Count()}/{succeeded.GetValueOrDefault(g.Key)}")));
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
        // Each advice must have done something often enough for the agreement to mean something (most draws hit a hole).
        Assert.All(GeneratorSettings.LaterAdvice, a => Assert.True(succeeded.GetValueOrDefault(a) >= 5,
            $"{FlagFamily.Advice.Print((ulong)a)} succeeded {succeeded.GetValueOrDefault(a)} times: the test would check little"));
    }
}
