using System.Diagnostics;
using AnonVma.Fuzz;

namespace AnonVma.Cli;

/// <summary>
/// The campaign's progress: one line rewritten in place on a terminal, or a plain line every five seconds when the
/// output goes to a file or a pipe, so logs stay readable.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool terminal)
{
    static readonly TimeSpan PlainEvery = TimeSpan.FromSeconds(5);
    readonly Stopwatch sinceLast = Stopwatch.StartNew();
    int lastWidth;
    bool wroteInPlace;

    public void Report(FuzzProgress p)
    {
        string line = $"traces {p.Traces:N0}  calls {p.Calls:N0}  {p.Calls / Math.Max(p.Elapsed.TotalSeconds, 1e-9):N0} calls/s  " +
                      $"findings {p.Findings}  {Math.Max(0, (p.Budget - p.Elapsed).TotalSeconds):F0} s left";
        if (terminal)
        {
            output.Write("\r" + line.PadRight(lastWidth));
            output.Flush();
            lastWidth = line.Length;
            wroteInPlace = true;
        }
        else if (sinceLast.Elapsed >= PlainEvery)
        {
            output.WriteLine(line);
            sinceLast.Restart();
        }
    }

    /// <summary>Ends the rewritten line, so what follows starts on a line of its own.</summary>
    public void Finish()
    {
        if (wroteInPlace) output.WriteLine();
    }
}
