using System.Text;
using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// A real kernel reached through anonvma-exec: writes the traces as one batch, runs it somewhere (the subclass says
/// where), and turns the output back into runs. A trace missing from the output becomes a Lost run that carries the
/// runner's complaint, so a broken kernel or boot shows up as a disagreement, never as silence.
/// </summary>
public abstract class ExecutorJudge : IJudge
{
    public abstract string Name { get; }
    public abstract KernelProfile Profile { get; }

    /// <summary>Kills a batch in flight when it fires (Ctrl-C in a campaign); the batch's traces come back Lost.</summary>
    public CancellationToken Cancellation { get; set; }

    /// <summary>Wall time and calls of the last batch, for speed tables.</summary>
    public TimeSpan LastElapsed { get; private set; }

    /// <summary>What bounds a trace's memory on this kernel, named in the detail of a run the OOM killer ended.</summary>
    protected abstract string MemoryLimit { get; }

    /// <summary>Runs the batch file and returns the executor's output lines and anything said on stderr.</summary>
    protected abstract Shell.Result Execute(string batchPath, int traceCount, long callCount);

    public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces)
    {
        if (traces.Count == 0) return [];
        var dupes = traces.GroupBy(t => t.Id).FirstOrDefault(g => g.Count() > 1);
        if (dupes is not null) throw new ArgumentException($"trace id '{dupes.Key}' appears {dupes.Count()} times in one batch");
        string path = Path.Combine(Path.GetTempPath(), $"anonvma-batch-{Environment.ProcessId}-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, WireFormat.Batch(traces, compact: true), Encoding.ASCII);
            var res = Execute(path, traces.Count, traces.Sum(t => (long)t.Calls.Count));
            LastElapsed = res.Elapsed;
            List<TraceRun> runs;
            try { runs = ExecutorOutput.Parse(res.Stdout, Name); }
            catch (ExecutorOutputException e) { runs = []; res = res with { Stderr = res.Stderr + e.Message + "\n" }; }
            runs = runs.Select(r => r.End == RunEnd.Crash ? r with { Detail = ExecutorMemory.Explain(r.Detail, MemoryLimit) } : r).ToList();
            var byId = runs.GroupBy(r => r.TraceId).ToDictionary(g => g.Key, g => g.Last());
            string complaint = $"{Name} gave no result for this trace (exit {res.ExitCode}): " +
                               string.Join(" | ", res.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
            return traces.Select(t => byId.TryGetValue(t.Id, out var r) ? r : new TraceRun(t.Id, RunEnd.Lost, complaint, [])).ToList();
        }
        finally { File.Delete(path); }
    }

    static readonly Lazy<string> executor = new(BuildExecutor);

    /// <summary>make -C tools/executor once per process (quick when up to date), so no run starts while make writes it.</summary>
    public static string EnsureExecutor() => executor.Value;

    static string BuildExecutor()
    {
        var r = Shell.Run("make", ["-s", "-C", Path.GetDirectoryName(RepoPaths.Executor)!], TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0 || !File.Exists(RepoPaths.Executor))
            throw new InvalidOperationException($"building {RepoPaths.Executor} failed (install gcc, make and libc6-dev):\n{r.Stdout}{r.Stderr}");
        return RepoPaths.Executor;
    }
}
