using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace AnonVma.Judges;

/// <summary>
/// Where the executor's time went in one batch, from its "S" line: so a benchmark can say what a judge's time is
/// spent on (the calls, the smaps reads, the output) instead of guessing.
/// </summary>
public sealed record ExecutorStats(int Traces, long CallCount, TimeSpan Total, TimeSpan InCalls, TimeSpan Reads, TimeSpan Output,
    TimeSpan Begins, TimeSpan Ends, long Relays, long Relayed, TimeSpan Made, long Proved)
{
    /// <summary>Reads the output's last line, "S traces=N calls=N total_ns=N call_ns=N read_ns=N out_ns=N begin_ns=N end_ns=N relays=N relayed=N made_ns=N proved=N" (or the bare form); null if it is not one.</summary>
    public static ExecutorStats? Find(string output)
    {
        var text = output.AsSpan().TrimEnd("\r\n");
        string line = text[(text.LastIndexOf('\n') + 1)..].ToString();
        if (!line.StartsWith("S ")) return null;
        var kv = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        long Get(string k) => kv.TryGetValue(k, out var v) && long.TryParse(v, out var n) ? n : 0;
        static TimeSpan Ns(long ns) => TimeSpan.FromTicks(ns / 100);
        return new ExecutorStats((int)Get("traces"), Get("calls"), Ns(Get("total_ns")), Ns(Get("call_ns")), Ns(Get("read_ns")), Ns(Get("out_ns")),
            Ns(Get("begin_ns")), Ns(Get("end_ns")), Get("relays"), Get("relayed"), Ns(Get("made_ns")), Get("proved"));
    }

    /// <summary>Two sessions' batches side by side, added up.</summary>
    public static ExecutorStats operator +(ExecutorStats a, ExecutorStats b) => new(a.Traces + b.Traces, a.CallCount + b.CallCount,
        a.Total + b.Total, a.InCalls + b.InCalls, a.Reads + b.Reads, a.Output + b.Output, a.Begins + b.Begins, a.Ends + b.Ends,
        a.Relays + b.Relays, a.Relayed + b.Relayed, a.Made + b.Made, a.Proved + b.Proved);
}

/// <summary>
/// One long-lived executor (`anonvma-exec --serve`) fed batch after batch,
/// so a judge pays its start once instead of once per batch. A batch that does not finish in time
/// kills the session: its traces come back Lost, and the judge starts a fresh one for the next batch.
/// </summary>
public sealed class ExecutorSession : IDisposable
{
    readonly Process process;
    readonly BlockingCollection<string> lines = new();
    readonly StringBuilder stderr = new();
    readonly string name;
    readonly IDisposable? owned;
    static readonly ConcurrentDictionary<ExecutorSession, byte> live = new();

    static ExecutorSession() => AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var s in live.Keys) s.Dispose(); };

    /// <summary>False once the executor died, timed out or was disposed; such a session is never reused.</summary>
    public bool Alive { get; private set; }

    /// <summary>How long the start took, up to the executor's "R ready".</summary>
    public TimeSpan StartTime { get; }

    /// <summary>
    /// Starts the program and waits for its "R ready"; throws with what it said if it does not get there. <paramref name="owned"/>
    /// (a memory cgroup) goes with the session. With <paramref name="greet"/>, it first writes "hello", which a guest
    /// restored from a snapshot (tools/qemu/serve.sh) answers with its "R ready".
    /// </summary>
    public ExecutorSession(string file, IEnumerable<string> args, string name, TimeSpan readyTimeout, IDisposable? owned = null, bool greet = false)
    {
        this.name = name;
        this.owned = owned;
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(false), StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        try { process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}"); }
        catch (Exception) { owned?.Dispose(); throw; }
        // A thread of its own, not the thread pool's: callers block on several sessions at once (ExecutorJudge.SplitAbove).
        new Thread(() =>
        {
            try
            {
                string? l;
                while ((l = process.StandardOutput.ReadLine()) is not null) lines.Add(l);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
            finally { lines.CompleteAdding(); }
        }) { IsBackground = true, Name = $"{name} output" }.Start();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) { if (stderr.Length < 64 << 10) stderr.Append(e.Data).Append('\n'); } };
        process.BeginErrorReadLine();
        Alive = true;
        live[this] = 0;
        if (greet) { process.StandardInput.Write("hello\n"); process.StandardInput.Flush(); }
        var first = Next(readyTimeout, default);
        StartTime = sw.Elapsed;
        if (first != "R ready")
        {
            string said = first is null ? "nothing" : $"'{first}'";
            Dispose();
            throw new InvalidOperationException($"{name} did not start: it said {said} within {readyTimeout.TotalSeconds:F0} s, not 'R ready'. {Stderr()}");
        }
    }

    string? Next(TimeSpan timeout, CancellationToken cancel)
    {
        try { return lines.TryTake(out var l, (int)Math.Min(int.MaxValue, Math.Max(0, timeout.TotalMilliseconds)), cancel) ? l : null; }
        catch (OperationCanceledException) { return null; }
    }

    string Stderr()
    {
        lock (stderr) return string.Join(" | ", stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
    }

    /// <summary>
    /// Runs one batch: the executor's output lines, anything it said ("! " lines, then its stderr if it died) and its exit
    /// status (-1 when the session died or timed out). The session is dead afterwards unless it answered.
    /// </summary>
    public Shell.Result Run(string batch, TimeSpan timeout, CancellationToken cancel)
    {
        var sw = Stopwatch.StartNew();
        if (!Alive) return new Shell.Result(-1, "", $"{name}: the session is no longer running\n", sw.Elapsed);
        // Written on its own task: a hung guest must not hang the caller on a full pipe.
        var write = Task.Run(() =>
        {
            process.StandardInput.Write(batch); // every batch text ends in a newline
            process.StandardInput.Write("run\n");
            process.StandardInput.Flush();
        });
        var output = new StringBuilder();
        var said = new StringBuilder();
        while (true)
        {
            var left = timeout - sw.Elapsed;
            var l = left > TimeSpan.Zero ? Next(left, cancel) : null;
            if (l is null)
            {
                string why = cancel.IsCancellationRequested ? "cancelled" : lines.IsCompleted ? $"{name} exited" : $"{name} killed after {timeout}";
                Dispose();
                if (write.IsFaulted) said.Append($"{name}: writing the batch failed: {write.Exception?.GetBaseException().Message}\n");
                return new Shell.Result(-1, output.ToString(), $"{said}{why}; {Stderr()}\n", sw.Elapsed);
            }
            if (l.StartsWith("Z "))
            {
                write.Wait();
                return new Shell.Result(int.TryParse(l.AsSpan(2), out var code) ? code : -1, output.ToString(), said.ToString(), sw.Elapsed);
            }
            if (l.StartsWith("! ")) said.Append(l, 2, l.Length - 2).Append('\n');
            else output.Append(l).Append('\n');
        }
    }

    /// <summary>Kills the executor; idempotent.</summary>
    public void Dispose()
    {
        if (!live.TryRemove(this, out _) && !Alive) return;
        Alive = false;
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); process.WaitForExit(5000); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { }
        owned?.Dispose();
    }
}
