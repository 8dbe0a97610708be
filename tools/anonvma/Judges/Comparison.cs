using System.Text;
using System.Text.RegularExpressions;
using AnonVma.Model;
using AnonVma.Model.Text;

namespace AnonVma.Judges;

/// <summary>What kind of thing two judges first disagree on; finding signatures group by it, whatever the process.</summary>
public enum DifferenceKind { Result, Alive, Maps, Smaps, End, KernelLog }

/// <summary>Where two judges first disagree on one trace, with everything a person needs to see why.</summary>
public sealed record Disagreement(Trace Trace, string LeftJudge, string RightJudge, int CallIndex, string What, string Left, string Right)
{
    public DifferenceKind Kind { get; init; }

    /// <summary>For a smaps difference, the compared fields whose lines differ (in <see cref="Comparison.SmapsFields"/> order); empty otherwise.</summary>
    public IReadOnlyList<string> Fields { get; init; } = [];

    /// <summary>A readable report: the trace up to the call, both sides, and a line diff of the differing text.</summary>
    public string Report()
    {
        var sb = new StringBuilder();
        sb.Append($"trace {Trace.Id}: {LeftJudge} and {RightJudge} first disagree ");
        sb.Append(CallIndex >= 0 ? $"at call {CallIndex}: {What}" : Kind == DifferenceKind.KernelLog ? "on what the kernel logged" : "on how the run ended").Append('\n');
        if (Fields.Count > 0) sb.Append("smaps fields that differ: ").Append(string.Join(' ', Fields)).Append('\n');
        sb.Append("calls (executor batch syntax):\n");
        int upto = CallIndex < 0 ? Trace.Calls.Count - 1 : CallIndex;
        for (int i = 0; i <= upto && i < Trace.Calls.Count; i++)
            sb.Append(i == CallIndex ? " >> " : "    ").Append($"{i,3}  ").Append(WireFormat.Line(Trace.Calls[i])).Append('\n');
        if (!Left.Contains('\n') && !Right.Contains('\n'))
        {
            sb.Append($"  {LeftJudge}: {Left}\n  {RightJudge}: {Right}\n");
            return sb.ToString();
        }
        sb.Append($"--- {LeftJudge}\n+++ {RightJudge}\n");
        foreach (var l in LineDiff.Unified(TextLines.Split(Left), TextLines.Split(Right))) sb.Append(l).Append('\n');
        return sb.ToString();
    }
}

/// <summary>
/// Compares two judges' runs of the same trace call by call: the result, which processes are alive, the arena's maps
/// lines and the chosen smaps fields. Shmem and file inode numbers (and devices) are normalised, nothing else.
/// </summary>
public static partial class Comparison
{
    /// <summary>
    /// The smaps fields compared, besides each block's header line. The rest are constant on both kernels (page sizes),
    /// unmodelled (KSM, swap, huge pages) or differ by configuration only (THPeligible).
    /// </summary>
    public static readonly IReadOnlyList<string> SmapsFields =
        ["Size", "Rss", "Pss", "Pss_Dirty", "Shared_Clean", "Shared_Dirty", "Private_Clean", "Private_Dirty",
         "Referenced", "Anonymous", "LazyFree", "Locked", "VmFlags"];

    static readonly HashSet<string> Compared = new(SmapsFields);

    [GeneratedRegex(@"^([A-Za-z_]+):")]
    private static partial Regex Label();

    public static Disagreement? FirstDifference(Trace trace, string leftName, TraceRun left, string rightName, TraceRun right)
    {
        Disagreement Diff(int i, DifferenceKind kind, string what, string l, string r) => new(trace, leftName, rightName, i, what, l, r) { Kind = kind };
        int n = Math.Min(left.Steps.Count, right.Steps.Count);
        for (int i = 0; i < n; i++)
        {
            var (a, b) = (left.Steps[i], right.Steps[i]);
            if (a.Result != b.Result) return Diff(i, DifferenceKind.Result, "the call's result differs", a.Result, b.Result);
            var pids = a.Processes.Select(v => v.Pid).Union(b.Processes.Select(v => v.Pid)).Order();
            foreach (var pid in pids)
            {
                var va = a.Processes.FirstOrDefault(v => v.Pid == pid);
                var vb = b.Processes.FirstOrDefault(v => v.Pid == pid);
                string State(ProcessView? v) => v is null ? "not reported" : v.Gone ? "gone" : "alive";
                if (State(va) != State(vb)) return Diff(i, DifferenceKind.Alive, $"p{pid} is {State(va)} on one side and {State(vb)} on the other", State(va), State(vb));
                if (va is null || va.Gone) continue;
                var (ma, mb) = (MapsText(va), MapsText(vb!));
                if (ma != mb) return Diff(i, DifferenceKind.Maps, $"p{pid} maps differ (inodes normalised)", ma, mb);
                var (sa, sb) = (SmapsText(va), SmapsText(vb!));
                if (sa != sb) return Diff(i, DifferenceKind.Smaps, $"p{pid} smaps differ (compared fields)", sa, sb) with { Fields = DifferingFields(sa, sb) };
            }
        }
        if (left.End != right.End || left.Steps.Count != right.Steps.Count)
            return Diff(n < Math.Max(left.Steps.Count, right.Steps.Count) ? n : -1, DifferenceKind.End, "the runs end differently", Ended(left), Ended(right));
        if (left.KernelLog is not null && right.KernelLog is not null && LogText(left) != LogText(right))
            return Diff(-1, DifferenceKind.KernelLog, "the kernel logs differ (BUG and WARNING lines, mm pointers normalised, sorted)", LogText(left), LogText(right));
        return null;
    }

    /// <summary>
    /// A run's kernel log as compared: the kernel's reports of its own bugs only ("BUG: " and "WARNING: " lines; the
    /// rest is the machine's news, clocksource changes and the like), mm pointers normalised (check_mm prints a hashed
    /// one, or "(____ptrval____)" while the hashing key is not ready yet), lines sorted (the mms of the processes killed
    /// at a trace's end are freed in no set order), one per line.
    /// </summary>
    public static string LogText(TraceRun run) =>
        string.Concat((run.KernelLog ?? []).Where(l => l.StartsWith("BUG: ") || l.StartsWith("WARNING: "))
            .Select(l => MmPointer().Replace(l, "mm:…")).Order(StringComparer.Ordinal).Select(l => l + "\n"));

    [GeneratedRegex(@"\bmm:(?:[0-9a-f]{8,16}\b|\(_+ptrval_+\))")]
    private static partial Regex MmPointer();

    /// <summary>"Crash after 3 calls: the model threw …": how a run ended, for every message that says so.</summary>
    public static string Ended(TraceRun r) => $"{r.End} after {r.Steps.Count} calls{(r.Detail is null ? "" : ": " + r.Detail)}";

    /// <summary>The compared smaps fields with a line on one side that the other side lacks.</summary>
    static IReadOnlyList<string> DifferingFields(string a, string b)
    {
        var (left, right) = (a.Split('\n'), b.Split('\n'));
        var changed = left.Except(right).Concat(right.Except(left)).Select(l => Label().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet();
        return SmapsFields.Where(changed.Contains).ToList();
    }

    /// <summary>
    /// Everything <see cref="FirstDifference"/> reads from a run, as one text: after each call its result and every
    /// reported process's state, maps and compared smaps fields (normalised alike), then how the run ended. Two runs
    /// of a trace have the same text exactly when FirstDifference finds nothing between them (both read with their
    /// kernel log, or both without).
    /// </summary>
    public static string Observed(TraceRun run)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < run.Steps.Count; i++)
        {
            sb.Append("call ").Append(i).Append(" = ").Append(run.Steps[i].Result).Append('\n');
            foreach (var v in run.Steps[i].Processes.OrderBy(v => v.Pid))
            {
                sb.Append('p').Append(v.Pid).Append(v.Gone ? " gone\n" : " alive\n");
                if (!v.Gone) sb.Append(MapsText(v)).Append("--\n").Append(SmapsText(v)).Append("--\n");
            }
        }
        sb.Append("end ").Append(run.End).Append(" after ").Append(run.Steps.Count).Append(" calls\n");
        return run.KernelLog is null ? sb.ToString() : sb.Append("kernel log\n").Append(LogText(run)).ToString();
    }

    /// <summary>The maps lines with inode numbers normalised, one per line.</summary>
    public static string MapsText(ProcessView v) => FilePaths(Normalise.Inodes(string.Concat(v.Maps.Select(l => l + "\n"))));

    /// <summary>The executor's regular files carry its pid and trace number (/dev/shm or /tmp/anonvma-exec.PID.T.hN); keep only the handle.</summary>
    static string FilePaths(string text) => ExecFile().Replace(text, "/anonvma-exec.h$1");

    [GeneratedRegex(@"/(?:tmp/|dev/shm/)?anonvma-exec\.\d+\.\d+\.h(\d+)$", RegexOptions.Multiline)]
    private static partial Regex ExecFile();

    /// <summary>The smaps lines reduced to headers and the compared fields, inodes normalised.</summary>
    public static string SmapsText(ProcessView v) => FilePaths(Normalise.Inodes(string.Concat(SmapsLines(v).Select(l => l + "\n"))));

    /// <summary>
    /// The smaps lines every judge reports alike: block headers and the compared fields (a kernel judge's executor
    /// prints only those), in the judge's own text.
    /// </summary>
    public static IReadOnlyList<string> SmapsLines(ProcessView v) =>
        v.Smaps.Where(l => Label().Match(l) is not { Success: true } m || Compared.Contains(m.Groups[1].Value)).ToList();
}

/// <summary>A line diff (DiffPlex's) printed with ' ', '-' and '+' prefixes, each changed run's removals before its additions.</summary>
public static class LineDiff
{
    public static IEnumerable<string> Unified(string[] a, string[] b)
    {
        if (a.Length == 0 || b.Length == 0)
            return [.. a.Select(l => "- " + l), .. b.Select(l => "+ " + l)];
        var result = DiffPlex.Differ.Instance.CreateLineDiffs(string.Join('\n', a), string.Join('\n', b), ignoreWhitespace: false);
        var (old, @new) = (result.PiecesOld, result.PiecesNew);
        var lines = new List<string>(old.Count + @new.Count);
        int x = 0;
        foreach (var block in result.DiffBlocks)
        {
            for (; x < block.DeleteStartA; x++) lines.Add("  " + old[x]);
            for (int k = 0; k < block.DeleteCountA; k++) lines.Add("- " + old[block.DeleteStartA + k]);
            for (int k = 0; k < block.InsertCountB; k++) lines.Add("+ " + @new[block.InsertStartB + k]);
            x = block.DeleteStartA + block.DeleteCountA;
        }
        for (; x < old.Count; x++) lines.Add("  " + old[x]);
        return lines;
    }
}
