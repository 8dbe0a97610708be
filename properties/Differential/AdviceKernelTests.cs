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
    /// Advice a kernel's build knows but the model does not follow (KSM's and THP's on a kernel built with them, guard
    /// regions from 6.13: all on the host, none on the 6.12 image) is a trace error naming it, not an EINVAL the kernel
    /// would not give. (What a build lacks is EINVAL on the real kernels: AdviceScenarios.)
    /// </summary>
    [Fact]
    public void Advice_the_model_does_not_follow_is_refused_as_a_trace_error()
    {
        foreach (var (profile, advice) in new[]
                 {
                     (KernelProfile.Host618, Madv.Mergeable), (KernelProfile.Host618, Madv.HugePage),
                     (KernelProfile.Host618, Madv.Collapse), (KernelProfile.Host618, Madv.GuardInstall),
                 })
        {
            var model = new LinuxModel(profile);
            model.Apply(new MmapCall(0, Trace.DefaultArenaBase, 4096, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
            var e = Assert.Throws<TraceException>(() => model.Apply(new MadviseCall(0, Trace.DefaultArenaBase, 4096, advice)));
            Assert.Contains("not modelled", e.Message);
            Assert.Contains(FlagFamily.Advice.Print((ulong)advice), e.Message);
        }
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
