using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// Two judges' runs of one small trace, call by call, as rows of two columns: what a conformance report shows for a
/// class's smallest trace, so its maintainers see Linux's answer next to theirs at every step, not only the first
/// that differs. Maps and compared smaps are normalised as the comparison reads them; an smaps row appears only where
/// the two sides differ.
/// </summary>
public static class SideBySide
{
    /// <summary>One thing both sides report after a call: "result", "p1 maps", "p1 smaps" (lines joined by newlines).</summary>
    public sealed record Row(string What, string Left, string Right)
    {
        public bool Differs => Left != Right;
    }

    /// <summary>A call (in the batch syntax) and what followed it on both sides; Index -1 is how the runs ended.</summary>
    public sealed record Call(int Index, string Text, IReadOnlyList<Row> Rows);

    public static IReadOnlyList<Call> Build(Trace trace, TraceRun left, TraceRun right)
    {
        var calls = new List<Call>();
        int n = Math.Max(left.Steps.Count, right.Steps.Count);
        for (int i = 0; i < n; i++)
        {
            var (a, b) = (i < left.Steps.Count ? left.Steps[i] : null, i < right.Steps.Count ? right.Steps[i] : null);
            var rows = new List<Row> { new("result", a?.Result ?? "(not run)", b?.Result ?? "(not run)") };
            var pids = (a?.Processes ?? []).Concat(b?.Processes ?? []).Select(v => v.Pid).Distinct().Order();
            foreach (var pid in pids)
            {
                var (va, vb) = (a?.Processes.FirstOrDefault(v => v.Pid == pid), b?.Processes.FirstOrDefault(v => v.Pid == pid));
                if (va is not { Gone: false } || vb is not { Gone: false })
                {
                    rows.Add(new($"p{pid}", State(va), State(vb)));
                    continue;
                }
                static string Maps(ProcessView v) => Comparison.MapsText(v).TrimEnd('\n') is { Length: > 0 } m ? m : "(nothing mapped in the arena)";
                rows.Add(new($"p{pid} maps", Maps(va), Maps(vb)));
                var (sa, sb) = (Comparison.SmapsText(va).TrimEnd('\n'), Comparison.SmapsText(vb).TrimEnd('\n'));
                if (sa != sb) rows.Add(new($"p{pid} smaps", sa, sb));
            }
            calls.Add(new(i, i < trace.Calls.Count ? WireFormat.Line(trace.Calls[i]) : "(past the trace)", rows));
        }
        if (left.End != right.End || left.Steps.Count != right.Steps.Count)
            calls.Add(new(-1, "(how the run ended)", [new("end", Comparison.Ended(left), Comparison.Ended(right))]));
        return calls;
    }

    static string State(ProcessView? v) => v is null ? "(not reported)" : v.Gone ? "gone" : "alive";
}
