using System.Text;
using AnonVma.Model;
using AnonVma.Model.Calls;

namespace AnonVma.Judges;

/// <summary>Writes traces as an anonvma-exec batch (tools/executor/README.md), the only way calls reach a real kernel.</summary>
public static class WireFormat
{
    /// <summary>
    /// The batch text for a list of traces. Compact batches ask the executor to print only the smaps fields that
    /// comparisons read and "same" for a process whose view did not change: a third of the bytes, which is what
    /// limits QEMU's serial console.
    /// </summary>
    public static string Batch(IEnumerable<Trace> traces, bool compact = false)
    {
        var sb = new StringBuilder();
        if (compact) sb.Append("option same\noption fields ").Append(string.Join(',', Comparison.SmapsFields)).Append('\n');
        foreach (var t in traces)
        {
            ExecutorLimits.CheckTraceId(t.Id);
            sb.Append("trace ").Append(t.Id).Append('\n');
            sb.Append("arena ").Append(Hex(t.ArenaBase)).Append(' ').Append(Hex(t.ArenaSize)).Append('\n');
            foreach (var c in t.Calls) sb.Append(Line(c)).Append('\n');
            sb.Append("end\n");
        }
        return sb.ToString();
    }

    /// <summary>One call as the executor reads it, e.g. "p0 mmap 0x200000000000 0x2000 0x3 0x100022 -1 0x0": the table's name and arguments, numbers in hex.</summary>
    public static string Line(Call call)
    {
        var spec = CallTable.Of(call);
        var values = spec.Read(call);
        var sb = new StringBuilder().Append('p').Append(call.Pid).Append(' ').Append(spec.Name);
        for (int i = 0; i < spec.Args.Length; i++)
        {
            var v = values[i];
            switch (spec.Args[i].Kind)
            {
                case ArgKind.Constant: continue;
                case ArgKind.Handle: sb.Append(' ').Append(v.Handle < 0 ? "-1" : $"h{v.Handle}"); break;
                case ArgKind.Name: sb.Append(' ').Append(NameArg(v)); break;
                default: sb.Append(' ').Append(Hex(v.Number)); break;
            }
        }
        return sb.ToString();
    }

    static string NameArg(ArgValue v) =>
        v.Number != 0 ? $"ptr:{v.Number:x}" : v.BadPointer ? "BADPTR" : v.Text is null ? "NULL" : "hex:" + Convert.ToHexStringLower(ExecutorLimits.NameBytes(v.Text));

    static string Hex(ulong v) => $"0x{v:x}";
}
