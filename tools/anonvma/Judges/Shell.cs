using System.Diagnostics;
using System.Text;

namespace AnonVma.Judges;

/// <summary>Runs a helper program to completion, collecting stdout and stderr without deadlocking on full pipes.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    /// <summary>Whether a program of that name is in a PATH folder (a judge says which package to install when not).</summary>
    public static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));

    /// <summary>Runs to completion, or until the timeout or the cancellation, which kill the whole process tree.</summary>
    public static Result Run(string file, IEnumerable<string> args, TimeSpan? timeout = null, CancellationToken cancel = default)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (err) err.Append(e.Data).Append('\n'); };
        p.BeginErrorReadLine();
        var outTask = p.StandardOutput.ReadToEndAsync();
        var limit = timeout ?? TimeSpan.FromHours(1);
        bool exited = false;
        while (!exited && sw.Elapsed < limit && !cancel.IsCancellationRequested)
            exited = p.WaitForExit(TimeSpan.FromMilliseconds(Math.Clamp((limit - sw.Elapsed).TotalMilliseconds, 1, 200)));
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* it exited just now */ }
            string why = cancel.IsCancellationRequested ? "cancelled" : $"killed after {timeout}";
            lock (err) err.Append($"{Path.GetFileName(file)}: {why}\n");
        }
        p.WaitForExit();
        string stdout = outTask.Result;
        lock (err) return new Result(p.ExitCode, stdout, err.ToString(), sw.Elapsed);
    }
}
