using AnonVma.Model;
using System.Text.RegularExpressions;
using AnonVma.Judges;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// Prints a replay for a person: each call, the judges' results side by side under their names, the caller's maps
/// (or smaps) after it once per distinct view, and under a marked call (" >>") what went wrong there, diffs coloured.
/// Ends with the state at --step, and a verdict per pair, for the expectations and for the invariants.
/// </summary>
public sealed partial class ReplayPrinter(TextWriter output, Colour colour, bool smaps)
{
    const string Indent = "      ", Deeper = "        ";

    public void Print(Replay r, int? step)
    {
        var t = r.Trace;
        output.WriteLine($"replay {r.Path}: trace {t.Id}, {t.Calls.Count} calls{(step is null ? "" : $" (stopping after call {step})")}, arena 0x{t.ArenaBase:x} size 0x{t.ArenaSize:x}");
        if (r.Document.Header.Count > 0) output.WriteLine($"header: {string.Join(", ", r.Document.Header.Select(kv => $"{kv.Key} {kv.Value}"))}");
        output.WriteLine(r.Pairs.Count == 0
            ? $"judges: {string.Join(", ", r.Judges.Select(j => j.Name))} (nothing to compare)"
            : $"compared: {string.Join("; ", r.Pairs.Select(p => $"{p.Left.Name} with {p.Right.Name}"))}");
        if (r.Repetitions.Count > 0)
            output.WriteLine($"repeated: {r.Repetitions[0].Runs} runs on each kernel, as one batch{(r.Judges.Any(j => j is ModelJudge) ? "; the model (deterministic) once" : "")}");
        output.WriteLine();
        if (r.Repetitions.Count > 0)
        {
            PrintRepetitions(r);
            output.WriteLine();
            PrintVerdict(r);
            return;
        }

        var notes = Notes(r);
        var widths = r.Judges.Select((j, k) => Math.Max(j.Name.Length, r.Runs[k].Steps.Select(s => s.Result.Length).DefaultIfEmpty(0).Max())).ToList();
        output.WriteLine(Deeper + string.Join("  ", r.Judges.Select((j, k) => colour.Bold(j.Name.PadRight(widths[k])))).TrimEnd());
        for (int i = 0; i < t.Calls.Count; i++)
        {
            string mark = notes.Contains(i) ? colour.Red(">>") : "  ";
            output.WriteLine($"{mark}{i,4}  {TraceText.Print(t.Calls[i])}");
            output.WriteLine(Indent + "= " + ResultCells(r, i, widths));
            PrintViews(r, i, t.Calls[i].Pid, smaps);
            foreach (var n in notes[i]) PrintNote(n);
        }
        foreach (var n in notes[-1]) PrintNote(n);
        foreach (var (j, run) in r.Judges.Zip(r.Runs))
            if (run.End != RunEnd.Completed) output.WriteLine($"{j.Name}: the run ended {Comparison.Ended(run)}");
        foreach (var (j, run) in r.Judges.Zip(r.Runs))
            if (run.KernelLog is not null)
            {
                var log = Comparison.LogText(run);
                output.WriteLine($"{j.Name}: {(j is ModelJudge ? "the kernel log predicted" : "the kernel logged")}{(log.Length == 0 ? ": no BUG or WARNING line" : "")}");
                foreach (var l in log.Split('\n', StringSplitOptions.RemoveEmptyEntries)) output.WriteLine(Deeper + l);
            }
        if (step is { } s) PrintState(r, s);
        output.WriteLine();
        PrintVerdict(r);
    }

    /// <summary>A thing to show under a call: a headline and the lines (a diff) below it.</summary>
    sealed record Note(string Headline, IReadOnlyList<string> Lines);

    /// <summary>The notes under each call, by call index; -1 holds those about how the runs end.</summary>
    static ILookup<int, Note> Notes(Replay r)
    {
        var notes = new List<(int At, Note Note)>();
        foreach (var (_, _, diffs) in r.Pairs)
        {
            // A difference usually persists once it appears: show its diff once, and again only when it changes.
            IReadOnlyList<string>? shown = null;
            int shownAt = -1;
            foreach (var d in diffs)
            {
                var lines = DiffView.Of(d);
                if (shown is not null && lines.SequenceEqual(shown))
                {
                    notes.Add((d.CallIndex, new Note($"{d.LeftJudge} vs {d.RightJudge}: {d.What}, as after call {shownAt}", [])));
                    continue;
                }
                notes.Add((d.CallIndex, new Note($"{d.LeftJudge} vs {d.RightJudge}: {d.What}", lines)));
                (shown, shownAt) = (lines, d.CallIndex);
            }
        }
        foreach (var (j, why) in r.Expectations)
        {
            if (why is null) continue;
            var lines = why.Split('\n');
            var m = CallPrefix().Match(lines[0]);
            int at = m.Success ? int.Parse(m.Groups[1].Value) : -1;
            string headline = m.Success ? lines[0][m.Length..] : lines[0];
            var diff = lines.Skip(1).ToList();
            var trimmed = diff.Count > 2 && diff[0].StartsWith("---") ? [.. diff.Take(2), .. DiffView.Trim(diff.Skip(2).ToList())] : diff;
            notes.Add((at, new Note($"the file's expectation is not met on {j.Name}: {headline}", trimmed)));
        }
        foreach (var (oracle, f) in r.Invariants)
            if (f is not null)
                notes.Add((f.CallIndex, new Note($"{oracle}: {(f.Check is AnonVma.Fuzz.InvariantBroken ? "broken" : f.Check.ToString())}: {f.Message}", [])));
        return notes.ToLookup(n => n.At < r.Trace.Calls.Count ? n.At : -1, n => n.Note);
    }

    [GeneratedRegex(@"^call (\d+) \(.*?\): ")]
    private static partial Regex CallPrefix();

    void PrintNote(Note n)
    {
        output.WriteLine(Indent + colour.Red(">> ") + colour.Bold(n.Headline));
        foreach (var l in n.Lines) output.WriteLine(Deeper + colour.DiffLine(l));
    }

    /// <summary>The results under the judges' names; a result that differs from its compared partner's is highlighted.</summary>
    string ResultCells(Replay r, int i, List<int> widths)
    {
        string Result(IJudge j) => r.RunOf(j) is var run && i < run.Steps.Count ? run.Steps[i].Result : "-";
        var odd = r.Pairs.Where(p => Result(p.Left) != Result(p.Right)).SelectMany(p => new[] { p.Left, p.Right }).ToHashSet();
        var cells = r.Judges.Select((j, k) => odd.Contains(j) ? colour.Yellow(Result(j).PadRight(widths[k])) : Result(j).PadRight(widths[k]));
        return string.Join("  ", cells).TrimEnd();
    }

    /// <summary>One process's view after call i on every judge, printed once per distinct (normalised) text.</summary>
    void PrintViews(Replay r, int i, int pid, bool asSmaps)
    {
        var groups = r.Judges.Zip(r.Runs).Where(x => i < x.Second.Steps.Count)
            .Select(x => (Judge: x.First.Name, View: x.Second.Steps[i].Processes.FirstOrDefault(p => p.Pid == pid)))
            .GroupBy(x => x.View is not { } v ? "none" : v.Gone ? "gone" : asSmaps ? Comparison.SmapsText(v) : Comparison.MapsText(v))
            .ToList();
        foreach (var group in groups)
        {
            var v = group.First().View;
            string on = groups.Count > 1 ? $" on {string.Join(", ", group.Select(x => x.Judge))}" : "";
            if (v is null) { output.WriteLine($"{Indent}no view of p{pid}{on}"); continue; }
            if (v.Gone) { output.WriteLine($"{Indent}p{pid} gone{on}"); continue; }
            var lines = asSmaps ? Comparison.SmapsLines(v) : v.Maps;
            output.WriteLine($"{Indent}{(asSmaps ? "smaps" : "maps")} p{pid}{on}:{(lines.Count == 0 ? " nothing in the arena" : "")}");
            foreach (var l in lines) output.WriteLine(Deeper + l);
        }
    }

    /// <summary>The full state after the last call: every process's maps and the caller's smaps, each once per distinct view.</summary>
    void PrintState(Replay r, int step)
    {
        int caller = r.Trace.Calls[step].Pid;
        output.WriteLine();
        output.WriteLine(colour.Bold($"state after call {step} (every live process's maps, the smaps of p{caller}):"));
        foreach (var (j, run) in r.Judges.Zip(r.Runs).Where(x => step >= x.Second.Steps.Count))
            output.WriteLine($"{Indent}{j.Name}: did not reach call {step}");
        foreach (int pid in r.Runs.Where(run => step < run.Steps.Count).SelectMany(run => run.Steps[step].Processes).Select(p => p.Pid).Distinct().Order())
            PrintViews(r, step, pid, asSmaps: false);
        if (r.Runs.Any(run => step < run.Steps.Count && run.Steps[step].Processes.Any(p => p.Pid == caller && !p.Gone)))
            PrintViews(r, step, caller, asSmaps: true);
    }

    /// <summary>
    /// --repeat: per kernel, its distinct outcomes, most common first, with how many runs gave each and whether each
    /// agrees with the model; under every other outcome, where it first differs from the most common one, and under an
    /// outcome that disagrees with the model, where it first differs from it.
    /// </summary>
    void PrintRepetitions(Replay r)
    {
        foreach (var rep in r.Repetitions)
        {
            int n = rep.Outcomes.Count;
            output.WriteLine(colour.Bold($"{rep.Judge.Name}: {n} distinct outcome{(n == 1 ? "" : "s")} in {rep.Runs} run{(rep.Runs == 1 ? "" : "s")}"));
            for (int k = 0; k < n; k++)
            {
                var o = rep.Outcomes[k];
                string runs = o.RunNumbers.Count == rep.Runs ? $"all {rep.Runs} runs" : $"{o.RunNumbers.Count} of {rep.Runs} runs ({RunList(o.RunNumbers)})";
                string verdict = rep.Partner is null ? ""
                    : o.FromPartner is null ? $", {colour.Green("agrees")} with {rep.Partner.Name}"
                    : $", {colour.Red("DIFFERS")} from {rep.Partner.Name}";
                string ended = o.Run.End == RunEnd.Completed ? "" : $", ended {Comparison.Ended(o.Run)}";
                output.WriteLine($"  outcome {k + 1}: {runs}{verdict}{ended}");
                if (o.FromMost is { } d)
                    PrintNote(new Note($"vs outcome 1 {Where(d)}", DiffView.Of(d)));
                if (o.FromPartner is { } m)
                    PrintNote(o.FromMost is { } same && same.CallIndex == m.CallIndex && same.Left == m.Left && same.Right == m.Right
                        ? new Note($"vs {m.LeftJudge} {Where(m)}, the same difference", [])
                        : new Note($"vs {m.LeftJudge} {Where(m)}", DiffView.Of(m)));
            }
        }
    }

    /// <summary>"at call 4: p0 smaps differ (compared fields)", or "in how the runs end: …".</summary>
    static string Where(Disagreement d) =>
        $"{(d.CallIndex < 0 ? "in how the runs end" : $"at call {d.CallIndex}")}: {d.What}";

    /// <summary>Run numbers as "1, 3-5, 9", at most a dozen ranges.</summary>
    static string RunList(IReadOnlyList<int> numbers)
    {
        // In an ascending list, consecutive numbers have the same difference from their index.
        var ranges = numbers.Select((n, i) => (n, i)).GroupBy(x => x.n - x.i)
            .Select(g => g.Count() == 1 ? $"{g.First().n}" : $"{g.First().n}-{g.Last().n}").ToList();
        string shown = "run" + (numbers.Count == 1 ? " " : "s ") + string.Join(", ", ranges.Take(12));
        return ranges.Count > 12 ? shown + ", …" : shown;
    }

    void PrintVerdict(Replay r)
    {
        foreach (var rep in r.Repetitions.Where(x => x.Partner is not null))
        {
            var differing = rep.Outcomes.Where(o => o.FromPartner is not null).ToList();
            string both = $"{rep.Partner!.Name} and {rep.Judge.Name}";
            if (differing.Count == 0) { output.WriteLine($"{colour.Green("agree")}: {both} in all {rep.Runs} runs, on all {r.Trace.Calls.Count} calls"); continue; }
            int runs = differing.Sum(o => o.RunNumbers.Count);
            string outcomes = differing.Count == rep.Outcomes.Count ? "every outcome" : $"{differing.Count} of {rep.Outcomes.Count} outcomes";
            output.WriteLine($"{colour.Red("DIFFER")}: {both} in {runs} of {rep.Runs} runs ({outcomes}), first {Where(differing[0].FromPartner!)}");
        }
        foreach (var (l, rt, diffs) in r.Pairs)
        {
            if (r.Repetitions.Any(x => x.Judge == rt)) continue; // said above, for every run
            if (diffs.Count == 0) { output.WriteLine($"{colour.Green("agree")}: {l.Name} and {rt.Name}, on all {r.Trace.Calls.Count} calls"); continue; }
            var first = diffs[0];
            string where = first.CallIndex < 0 ? "in how the runs end" : $"at {diffs.Count} call(s), first call {first.CallIndex}";
            output.WriteLine($"{colour.Red("DIFFER")}: {l.Name} and {rt.Name} {where}: {first.What}");
        }
        if (r.ExpectationsSkipped is { } skipped) output.WriteLine($"expectations: {skipped}");
        foreach (var (j, why) in r.Expectations)
            output.WriteLine(why is null ? $"expectations: {colour.Green("met")} on {j.Name}" : $"expectations: {colour.Red("NOT MET")} on {j.Name}: {why.Split('\n')[0]}");
        foreach (var (oracle, f) in r.Invariants)
            output.WriteLine(f is null ? $"invariants: {colour.Green("hold")} after every call ({oracle})" : $"invariants: {colour.Red("BROKEN")} at call {f.CallIndex} ({oracle}): {f.Message}");
    }
}
