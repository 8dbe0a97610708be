using System.Text;
using AnonVma.Model;
using AnonVma.Model.Calls;

namespace AnonVma.Judges;

/// <summary>
/// Turns a trace into one self-contained C file that runs its calls on the running kernel and prints exactly what
/// the executor prints for it (tools/executor/README.md "Output"), so <see cref="ExecutorOutput.Parse"/> reads it.
/// The file is tools/executor/runtime.h (embedded in this assembly) with calls.h in place of its #include, followed by a straight-line main():
/// one <c>CALL(p, call)</c> per trace call, with symbolic constants, that runs the call in process p.
/// Build and run it with <c>cc repro.c -o repro &amp;&amp; ./repro</c> on Linux x86-64.
/// </summary>
public static class CReproducer
{
    /// <summary>
    /// The text of tools/executor/runtime.h as this assembly was built with it, with the call table's header
    /// (<see cref="CHeader"/>, tools/executor/calls.h) in place of its #include: a reproducer needs no other file.
    /// </summary>
    public static string Runtime => runtime.Value;

    static readonly Lazy<string> runtime = new(() =>
    {
        const string resource = "AnonVma.Judges.runtime.h", include = "#include \"calls.h\"";
        using var s = typeof(CReproducer).Assembly.GetManifestResourceStream(resource)
                      ?? throw new InvalidOperationException($"resource {resource} is missing from {typeof(CReproducer).Assembly.GetName().Name}");
        string text = new StreamReader(s, Encoding.UTF8).ReadToEnd();
        int at = text.IndexOf(include, StringComparison.Ordinal); // the whole line, its comment too, makes way for the header
        return at < 0 ? throw new InvalidOperationException($"runtime.h no longer includes calls.h ({include})")
            : text[..at] + CHeader.Text() + text[(text.IndexOf('\n', at) + 1)..];
    });

    /// <summary>
    /// The reproducer for a trace. <paramref name="header"/> (e.g. the trace file's seed, profile and failing check)
    /// goes into the comment at the top, line by line.
    /// </summary>
    /// <param name="linux">
    /// Linux's run of the trace, for a reproducer meant for a re-implementation of Linux: embedded, it makes the
    /// program compare its own results and arena maps with Linux's and end with a line that says where they differ
    /// (runtime.h, EXPECT).
    /// </param>
    public static string Generate(Trace trace, string? header = null, TraceRun? linux = null)
    {
        ExecutorLimits.CheckTraceId(trace.Id);
        int processes = 1 + trace.Calls.Count(c => CallTable.Of(c).Effect == CallEffect.Fork);
        var sb = new StringBuilder();
        sb.Append("/*\n");
        sb.Append($" * AnonVma reproducer for trace {Comment(trace.Id)}: {trace.Calls.Count} calls by ");
        sb.Append(processes == 1 ? "one process" : $"up to {processes} processes");
        sb.Append($", in the arena {Hex(trace.ArenaBase)}-{Hex(trace.ArenaBase + trace.ArenaSize)}.\n");
        if (!string.IsNullOrWhiteSpace(header))
        {
            sb.Append(" *\n");
            foreach (var line in header.TrimEnd().Split('\n'))
                sb.Append((" * " + Comment(line.TrimEnd('\r'))).TrimEnd()).Append('\n');
        }
        sb.Append("""
             *
             * Build and run on Linux x86-64:  cc repro.c -o repro && ./repro
             * main(), at the end of this file, is the trace: CALL(p, call) makes the call in process p
             * (BEGIN starts p0, fork_process() the others) and prints its result and then the arena's
             * /proc/PID/maps and smaps of every live process, in the format of AnonVma's executor
             * (tools/executor/README.md).  Everything above main() is tools/executor/runtime.h, with
             * tools/executor/calls.h in place of its #include.
             */

            """);
        sb.Append(Runtime);
        sb.Append("""

            /* ------------------------------------------------------------------ */
            /* the trace                                                           */

            int main(void)
            {

            """);
        if (linux is not null)
        {
            // The fields Linux's side shows (a re-implementation's missing ones are taken out of it beforehand).
            var fields = Comparison.SmapsFields.Where(f => linux.Steps.Any(st => st.Processes.Any(p => p.Smaps.Any(l => l.StartsWith(f + ":")))));
            sb.Append($"\tEXPECT({StringLiteral(Encoding.Latin1.GetBytes(ExecutorOutput.Steps(linux)))},\n\t       \",{string.Join(',', fields)},\");\n");
        }
        sb.Append($"\tBEGIN({StringLiteral(Encoding.Latin1.GetBytes(trace.Id))}, {Hex(trace.ArenaBase)}, {Hex(trace.ArenaSize)});\n");
        int nextProcess = 1, nextHandle = 0, width = (trace.Calls.Count - 1).ToString().Length;
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            string note = CallTable.Of(call).Effect switch
            {
                CallEffect.Fork => $" /* -> p{nextProcess++} */",
                CallEffect.NewHandle => $" /* -> h{nextHandle++} */",
                _ => "",
            };
            sb.Append($"\t/* {i.ToString().PadLeft(width)} */ CALL({call.Pid}, {Expression(call)});{note}\n");
        }
        sb.Append("\treturn END();\n}\n");
        return sb.ToString();
    }

    /// <summary>The C expression for one call, e.g. <c>sys_munmap(0x200000000000, 0x1000)</c>: the table's function and arguments.</summary>
    public static string Expression(Call call)
    {
        var spec = CallTable.Of(call);
        var values = spec.Read(call);
        var args = spec.Args.Select((a, i) => a.Kind switch
        {
            ArgKind.Flags => a.Family!.PrintC(values[i].Number),
            ArgKind.Handle => values[i].Handle < 0 ? "-1" : $"HANDLE({values[i].Handle})",
            ArgKind.Bit => values[i].Number.ToString(),
            ArgKind.Name => NameExpr(values[i]),
            ArgKind.Constant => a.Constant!,
            _ => Hex(values[i].Number),
        });
        return $"{spec.C}({string.Join(", ", args)})";
    }

    /// <summary>An arena pointer, the bad pointer, NULL, or a literal of the bytes the executor's hex: spelling carries.</summary>
    static string NameExpr(ArgValue v) =>
        v.Number != 0 ? $"NAME_AT({Hex(v.Number)})" : v.BadPointer ? "(char *)1" : v.Text is null ? "NULL" : StringLiteral(ExecutorLimits.NameBytes(v.Text));

    /// <summary>
    /// A C string literal holding exactly these bytes: printable ASCII as itself, the usual short escapes, and
    /// three-digit octal for the rest (a hex escape would swallow a following hex digit); "??" is broken up so no
    /// trigraph forms.
    /// </summary>
    public static string StringLiteral(byte[] bytes)
    {
        var sb = new StringBuilder("\"");
        for (int i = 0; i < bytes.Length; i++)
        {
            byte b = bytes[i];
            sb.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\n' => "\\n",
                (byte)'\t' => "\\t",
                (byte)'\r' => "\\r",
                (byte)'?' when i > 0 && bytes[i - 1] == '?' => "\\?",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => "\\" + Convert.ToString(b, 8).PadLeft(3, '0'),
            });
        }
        return sb.Append('"').ToString();
    }

    static string Hex(ulong v) => v == 0 ? "0" : $"0x{v:x}";

    /// <summary>Text that cannot end or nest the comment it goes into.</summary>
    static string Comment(string s) => s.Replace("*/", "*\\/").Replace("/*", "/\\*");
}
