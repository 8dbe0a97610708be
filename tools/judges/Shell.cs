using System.Diagnostics;
using System.Text;

namespace AnonVma.Judges;

/// <summary>Runs a helper program to completion, collecting stdout and stderr without deadlocking on full pipes.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed);

    public static Result Run(string file, IEnumerable<string> args, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var err = new StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (err) err.Append(e.Data).Append('\n'); };
        p.BeginErrorReadLine();
        var outTask = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromHours(1)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            lock (err) err.Append($"{Path.GetFileName(file)}: killed after {timeout}\n");
        }
        p.WaitForExit();
        string stdout = outTask.Result;
        lock (err) return new Result(p.ExitCode, stdout, err.ToString(), sw.Elapsed);
    }
}
