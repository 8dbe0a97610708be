using System.Text;
using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>A line of executor output that does not fit its format (tools/executor/README.md "Output").</summary>
public sealed class ExecutorOutputException(string source, int line, string message)
    : Exception($"{source}:{line}: {message}");

/// <summary>Reads anonvma-exec output (T, C, O, K and | lines; S lines are skipped) back into runs, one per trace, in output order.</summary>
public static class ExecutorOutput
{
    /// <summary>
    /// A run in the executor's output format, as Parse reads it back (a stored run beside a finding): its steps
    /// (<see cref="Steps"/>) between its "T" lines. A Lost run has no last line.
    /// </summary>
    public static string Print(TraceRun run)
    {
        if (run.End == RunEnd.Rejected) return $"T {run.TraceId} rejected {run.Detail}\n";
        var sb = new StringBuilder($"T {run.TraceId} begin\n").Append(Steps(run));
        foreach (var line in run.KernelLog ?? []) sb.Append("K ").Append(line).Append('\n');
        string? last = run.End switch { RunEnd.Completed => "end", RunEnd.Timeout => "timeout", RunEnd.Crash => "crash", _ => null };
        if (last is not null) sb.Append($"T {run.TraceId} {last}{(run.End != RunEnd.Completed && run.Detail is { } d ? " " + d : "")}\n");
        return sb.ToString();
    }

    /// <summary>
    /// A run's "C" lines, each followed by every reported process's view ("O pN maps|smaps" with "| " lines, or
    /// "O pN gone"): also what a reproducer's EXPECT compares with (CReproducer).
    /// </summary>
    public static string Steps(TraceRun run)
    {
        var sb = new StringBuilder();
        foreach (var step in run.Steps)
        {
            sb.Append($"C {step.Index} p{step.Pid} {step.Result}\n");
            foreach (var p in step.Processes)
            {
                if (p.Gone)
                {
                    sb.Append($"O p{p.Pid} gone\n");
                    continue;
                }
                sb.Append($"O p{p.Pid} maps\n");
                foreach (var line in p.Maps) sb.Append("| ").Append(line).Append('\n');
                sb.Append($"O p{p.Pid} smaps\n");
                foreach (var line in p.Smaps) sb.Append("| ").Append(line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Parses the whole output; source names it in errors (a file name, or "qemu console").</summary>
    public static List<TraceRun> Parse(string text, string source = "executor output")
    {
        var runs = new List<TraceRun>();
        string? id = null;
        var steps = new List<Step>();
        List<string>? log = null; // the trace's K lines
        List<ProcessView>? views = null; // the current call's
        List<string>? target = null; // where | lines go
        (int Pid, List<string> Smaps)? open = null; // the view whose smaps section may come next
        var lastView = new Dictionary<int, ProcessView>(); // for "O pN same"
        int lineNo = 0;

        void Finish(RunEnd how, string? why)
        {
            runs.Add(new TraceRun(id!, how, why, steps, log));
            (id, steps, log, views, target, open) = (null, [], null, null, null, null);
            lastView.Clear();
        }
        ExecutorOutputException Bad(string msg) => new(source, lineNo, msg);

        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            if (line.Length == 0) continue;
            if (line.StartsWith("| "))
            {
                if (target is null) throw Bad("a '| ' line outside an 'O <p> maps' or 'O <p> smaps' section");
                target.Add(line[2..]);
                continue;
            }
            var f = line.Split(' ');
            (target, var section) = (null, open);
            open = null;
            switch (f[0])
            {
                case "T":
                    if (f.Length < 3) throw Bad($"'T' line needs an id and an event: '{line}'");
                    switch (f[2])
                    {
                        case "begin":
                            if (id is not null) Finish(RunEnd.Lost, "the next trace began before this one ended");
                            id = f[1];
                            break;
                        case "end" or "timeout" or "crash":
                            // a timeout or crash with no trace open: p0 did not start in time, or died starting
                            if (id is null && f[2] != "end") id = f[1];
                            if (id != f[1]) throw Bad($"'{line}' ends trace '{f[1]}' but the open trace is '{id ?? "(none)"}'");
                            Finish(f[2] switch { "end" => RunEnd.Completed, "timeout" => RunEnd.Timeout, _ => RunEnd.Crash },
                                f.Length > 3 ? string.Join(' ', f[3..]) : null);
                            break;
                        case "rejected":
                            if (id is not null) Finish(RunEnd.Lost, "a rejection came before this trace ended");
                            runs.Add(new TraceRun(f[1], RunEnd.Rejected, string.Join(' ', f[3..]), []));
                            break;
                        default: throw Bad($"unknown trace event '{f[2]}'");
                    }
                    break;
                case "C":
                    if (id is null) throw Bad("a 'C' line outside a trace");
                    if (f.Length != 4 || !int.TryParse(f[1], out var ci) || !TryPid(f[2], out var cp))
                        throw Bad($"expected 'C <index> p<N> <result>', got '{line}'");
                    steps.Add(new Step(ci, cp, f[3], views = []));
                    break;
                case "O":
                    if (views is null) throw Bad("an 'O' line before any 'C' line of the trace");
                    if (f.Length != 3 || !TryPid(f[1], out var op)) throw Bad($"expected 'O p<N> maps|smaps|same|gone', got '{line}'");
                    switch (f[2])
                    {
                        case "maps":
                            List<string> maps = [], smaps = [];
                            views.Add(lastView[op] = new ProcessView(op, false, maps, smaps));
                            (target, open) = (maps, (op, smaps));
                            break;
                        case "smaps":
                            if (section?.Pid != op) throw Bad($"'O p{op} smaps' without its 'O p{op} maps' just before");
                            target = section.Value.Smaps;
                            break;
                        case "same":
                            if (!lastView.TryGetValue(op, out var prev)) throw Bad($"'O p{op} same' but p{op} has not been reported in this trace");
                            views.Add(prev);
                            break;
                        case "gone":
                            views.Add(new ProcessView(op, true, [], []));
                            break;
                        default: throw Bad($"unknown section '{f[2]}'");
                    }
                    break;
                case "K":
                    if (id is null) throw Bad("a 'K' line outside a trace");
                    (log ??= []).Add(line.Length > 2 ? line[2..] : "");
                    break;
                case "S": break; // the executor's own timing (ExecutorStats)
                default:
                    throw Bad($"not an executor output line: '{line}'");
            }
        }
        if (id is not null) Finish(RunEnd.Lost, "the output stopped before the trace ended");
        return runs;
    }

    static bool TryPid(string s, out int pid)
    {
        pid = -1;
        return s.Length > 1 && s[0] == 'p' && int.TryParse(s.AsSpan(1), out pid);
    }
}
