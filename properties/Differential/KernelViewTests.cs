using AnonVma.Judges;
using AnonVma.Model;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The executor reuses a process's last view after a call that cannot change it (runtime.h, rt_reuse_views) instead of
/// reading its smaps again. These tests hold that shortcut to the real reads ("option fresh") on generated traces,
/// call by call, on both kernels: a call wrongly counted as harmless to other processes shows up here as a difference.
/// </summary>
public class KernelViewTests(ITestOutputHelper log)
{
    [SkippableFact]
    public void Reused_views_equal_fresh_reads_on_this_machine_kernel()
    {
        Components.ExecutorToolchain();
        Check(NativeJudge.Create(), NativeJudge.Create(), 1000);
    }

    [SkippableFact]
    public void Reused_views_equal_fresh_reads_on_linux_6_12()
    {
        Kernels.Qemu();
        Check(QemuJudge.TryCreate(out _)!, QemuJudge.TryCreate(out _)!, 200);
    }

    void Check(ExecutorJudge reused, ExecutorJudge fresh, int count)
    {
        fresh.FreshViews = true;
        var traces = NativeKernelTests.Generated(count);
        var a = reused.Run(traces);
        var b = fresh.Run(traces);
        int multi = 0, compared = 0;
        var diffs = new List<string>();
        for (int i = 0; i < traces.Count; i++)
        {
            Assert.True(a[i].End == RunEnd.Completed, $"{traces[i].Id} with reused views: {a[i].End} {a[i].Detail}");
            Assert.True(b[i].End == RunEnd.Completed, $"{traces[i].Id} with fresh views: {b[i].End} {b[i].Detail}");
            if (a[i].Steps.Any(s => s.Processes.Count > 1)) multi++;
            compared += a[i].Steps.Sum(s => s.Processes.Count);
            if (Comparison.FirstDifference(traces[i], "reused", a[i], "fresh", b[i]) is { } d) diffs.Add(d.Report());
        }
        log.WriteLine($"{traces.Count} traces, {multi} with more than one process, {compared:N0} process views compared: {diffs.Count} difference(s)");
        Assert.True(multi > traces.Count / 10, $"only {multi} of {traces.Count} traces forked: the test would check little");
        Assert.True(diffs.Count == 0, string.Join("\n", diffs.Take(3)));
    }
}
