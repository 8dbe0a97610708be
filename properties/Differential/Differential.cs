using System.Text;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Kernel;

namespace AnonVma.Properties.Differential;

/// <summary>Runs traces on the model and on a real kernel and sums up where they disagree, for the differential tests.</summary>
public sealed class Differential
{
    public required IReadOnlyList<Trace> Traces { get; init; }
    public required IReadOnlyList<TraceRun> Model { get; init; }
    public required IReadOnlyList<TraceRun> Kernel { get; init; }
    public required List<Disagreement> Disagreements { get; init; }
    public required string KernelName { get; init; }
    public TimeSpan KernelTime { get; init; }
    public TimeSpan ModelTime { get; init; }

    /// <summary>Runs every trace on both, the kernel in `parallel` batches at once (one per core for QEMU).</summary>
    public static Differential Run(IJudge kernel, IReadOnlyList<Trace> traces, int parallel = 1, Mutations? mutations = null)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var model = ModelJudge.Beside(kernel, mutations);
        var modelRuns = model.Run(traces);
        var modelTime = sw.Elapsed;
        sw.Restart();
        int chunk = (traces.Count + parallel - 1) / Math.Max(1, parallel);
        var parts = traces.Chunk(Math.Max(1, chunk)).ToArray();
        var kernelParts = new IReadOnlyList<TraceRun>[parts.Length];
        Parallel.For(0, parts.Length, new ParallelOptions { MaxDegreeOfParallelism = parallel }, i => kernelParts[i] = kernel.Run(parts[i]));
        var kernelRuns = kernelParts.SelectMany(r => r).ToList();
        var kernelTime = sw.Elapsed;
        var diffs = new List<Disagreement>();
        for (int i = 0; i < traces.Count; i++)
            if (Comparison.FirstDifference(traces[i], model.Name, modelRuns[i], kernel.Name, kernelRuns[i]) is { } d) diffs.Add(d);
        return new Differential
        {
            Traces = traces, Model = modelRuns, Kernel = kernelRuns, Disagreements = diffs, KernelName = kernel.Name,
            KernelTime = kernelTime, ModelTime = modelTime,
        };
    }

    public int Calls => Traces.Sum(t => t.Calls.Count);

    /// <summary>Name calls with a name that the kernel accepted and whose name maps then showed.</summary>
    public int NamesSetAndShown()
    {
        int n = 0;
        for (int i = 0; i < Traces.Count; i++)
            foreach (var step in Kernel[i].Steps)
                if (Traces[i].Calls[step.Index] is NameCall { Name: { } name, BadPointer: false, Option: 0 } c && step.Result == "0" &&
                    step.Processes.FirstOrDefault(p => p.Pid == c.Pid) is { Gone: false } view &&
                    view.Maps.Any(l => l.EndsWith($"[anon:{name}]") || l.EndsWith($"[anon_shmem:{name}]")))
                    n++;
        return n;
    }

    /// <summary>Calls of type T whose result on the kernel was not an error: how much of what T does the traces reached.</summary>
    public int NotRefused<T>() where T : Call =>
        Traces.Select((t, i) => Kernel[i].Steps.Count(s => t.Calls[s.Index] is T && s.Result is not ['-', ..])).Sum();

    /// <summary>One paragraph for the test log, and the failure message when there are disagreements.</summary>
    public string Summary(int show = 3)
    {
        var sb = new StringBuilder();
        sb.Append($"{Traces.Count} traces, {Calls} calls: model {ModelTime.TotalSeconds:F1} s, {KernelName} {KernelTime.TotalSeconds:F1} s; ");
        sb.Append($"{Disagreements.Count} disagreement(s)\n");
        foreach (var g in Disagreements.GroupBy(d => d.What).OrderByDescending(g => g.Count()))
            sb.Append($"  {g.Count(),5}  {g.Key}\n");
        foreach (var d in Disagreements.Take(show)) sb.Append('\n').Append(d.Report());
        if (Disagreements.Count > show) sb.Append($"\n... and {Disagreements.Count - show} more\n");
        return sb.ToString();
    }
}

/// <summary>How a test gets a real kernel: here, skipped with the reason and the install command, or (in CI) a failure.</summary>
public static class Kernels
{
    /// <summary>Set by .ci/run: a kernel that is not available fails the test instead of skipping it.</summary>
    public static bool Required => Components.Required;

    static readonly Lazy<(QemuJudge? judge, string why)> qemu = new(() => (QemuJudge.TryCreate(out var why), why));
    static readonly Lazy<NativeJudge> native = new(() => NativeJudge.Create());

    /// <summary>This machine's kernel; skips (or fails in CI) when gcc or make is missing to build the executor.</summary>
    public static NativeJudge Native
    {
        get
        {
            Components.ExecutorToolchain();
            return native.Value;
        }
    }

    /// <summary>The QEMU 6.12 judge; skips (or fails in CI) with the one command that installs QEMU and builds the image.</summary>
    public static QemuJudge Qemu()
    {
        Components.ExecutorToolchain();
        var (judge, why) = qemu.Value;
        if (judge is not null) return judge;
        // The judge's own reason ends with a command for the tool's users (apt-get …, build-kernel.sh); a test names the one that does both.
        var reason = why.Split([" (", "; "], 2, StringSplitOptions.None)[0];
        throw Components.Missing("Linux 6.12 under QEMU", reason, Required);
    }
}
