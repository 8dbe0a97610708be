using AnonVma.Judges;
using AnonVma.Model;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The executor's two shortcuts, held to the plain way on generated traces, call by call, on both kernels. It reuses a
/// process's last view after a call that cannot change it (runtime.h, rt_reuse_views) instead of reading its smaps
/// again: a call wrongly counted as harmless to other processes shows up as a difference from "option fresh". And it
/// relays consecutive calls among the trace processes, which read the views themselves (runtime.h, "relays"): a view
/// read at the wrong point, or a result or handle misplaced, shows up as a difference from "option stepwise". On Linux
/// 6.12 the reuse includes the page proof (relay.h, rt_page_proof): a call wrongly proved harmless shows up the same way.
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
        Check(QemuJudge.TryCreate(out _)!, QemuJudge.TryCreate(out _)!, 200, pageProof: true);
    }

    [SkippableFact]
    public void Relayed_calls_equal_stepwise_calls_on_this_machine_kernel()
    {
        Components.ExecutorToolchain();
        Check(NativeJudge.Create(), NativeJudge.Create(), 1000, stepwise: true);
    }

    [SkippableFact]
    public void Relayed_calls_equal_stepwise_calls_on_linux_6_12()
    {
        Kernels.Qemu();
        Check(QemuJudge.TryCreate(out _)!, QemuJudge.TryCreate(out _)!, 200, stepwise: true);
    }

    void Check(ExecutorJudge shortcut, ExecutorJudge plain, int count, bool stepwise = false, bool pageProof = false)
    {
        if (stepwise) plain.Stepwise = true;
        else plain.FreshViews = true;
        string shortcutName = stepwise ? "relayed" : "reused", plainName = stepwise ? "stepwise" : "fresh";
        var traces = NativeKernelTests.Generated(count);
        var a = shortcut.Run(traces);
        var b = plain.Run(traces);
        int multi = 0, compared = 0;
        var diffs = new List<string>();
        for (int i = 0; i < traces.Count; i++)
        {
            Assert.True(a[i].End == RunEnd.Completed, $"{traces[i].Id} {shortcutName}: {a[i].End} {a[i].Detail}");
            Assert.True(b[i].End == RunEnd.Completed, $"{traces[i].Id} {plainName}: {b[i].End} {b[i].Detail}");
            if (a[i].Steps.Any(s => s.Processes.Count > 1)) multi++;
            compared += a[i].Steps.Sum(s => s.Processes.Count);
            if (Comparison.FirstDifference(traces[i], shortcutName, a[i], plainName, b[i]) is { } d) diffs.Add(d.Report());
        }
        long calls = traces.Sum(t => (long)t.Calls.Count), relayed = shortcut.Last!.Stats!.Relayed, proved = shortcut.Last.Stats.Proved;
        log.WriteLine($"{traces.Count} traces, {multi} with more than one process, {compared:N0} process views compared, " +
                      $"{relayed:N0} of {calls:N0} calls relayed, {proved:N0} views spared by the page proof: {diffs.Count} difference(s)");
        // Linux 6.12 here has no transparent or HugeTLB pages, so the page proof is on there and must be exercised.
        if (pageProof) Assert.True(proved > 100, $"the page proof spared only {proved} views: the test would check little of it");
        if (stepwise)
        {
            Assert.True(relayed > calls / 2, $"only {relayed} of {calls} calls were relayed: the test would check little");
            Assert.Equal(0, plain.Last!.Stats!.Relayed);
        }
        Assert.True(multi > traces.Count / 10, $"only {multi} of {traces.Count} traces forked: the test would check little");
        Assert.True(diffs.Count == 0, string.Join("\n", diffs.Take(3)));
    }
}
