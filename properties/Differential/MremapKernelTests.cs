using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Kernel;
using AnonVma.Traces.Generate;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// mremap (model/Kernel/Mremap.cs) against real kernels on generated traces with the generator's Remaps setting:
/// shrinking, growing in place or moving, MREMAP_FIXED moves inside the arena, MREMAP_DONTUNMAP, and the moves the
/// kernel places outside the arena (ESCAPED), each call's result, maps and smaps compared.
/// </summary>
public class MremapKernelTests(ITestOutputHelper log)
{
    static readonly GeneratorSettings Remaps = new() { Remaps = true };

    /// <summary>The seeded traces with mremap among the calls, for a profile.</summary>
    static List<Trace> Traces(KernelProfile profile, int count) =>
        Enumerable.Range(1, count).Select(s => Realiser.Random(s, 24, profile, Remaps)).ToList();

    [SkippableFact]
    public void Generated_mremap_traces_agree_with_linux_6_12()
    {
        var judge = Kernels.Qemu();
        Check(Differential.Run(judge, Traces(judge.Profile, 1000), parallel: 2));
    }

    /// <summary>This machine's kernel has the reworked mremap (6.16-6.17), which the model follows on its profile (MremapReworked.cs).</summary>
    [SkippableFact]
    public void Generated_mremap_traces_agree_with_this_machine_kernel()
    {
        var judge = Kernels.Native;
        Check(Differential.Run(judge, Traces(judge.Profile, 1000)));
    }

    void Check(Differential d)
    {
        log.WriteLine(d.Summary());
        int remaps = d.Traces.SelectMany(t => t.Calls).OfType<MremapCall>().Count();
        int moved = d.NotRefused<MremapCall>();
        log.WriteLine($"mremap calls: {remaps}, of which the kernel did not refuse: {moved}");
        Assert.True(d.Disagreements.Count == 0, d.Summary());
        Assert.All(d.Kernel, r => Assert.Equal(RunEnd.Completed, r.End));
        Assert.True(moved > remaps / 4, $"only {moved} of {remaps} mremap calls succeeded: the test would check little");
    }
}
