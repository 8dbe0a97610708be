using System.Text;
using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Judges;

/// <summary>
/// Turns a trace into one self-contained C file that runs its calls on the running kernel and prints exactly what
/// the executor prints for it (tools/executor/README.md "Output"), so <see cref="ExecutorOutput.Parse"/> reads it.
/// The file is tools/executor/runtime.h, verbatim (embedded in this assembly), followed by a straight-line main():
/// one <c>CALL(p, call)</c> per trace call, with symbolic constants, that runs the call in process p.
/// Build and run it with <c>cc repro.c -o repro &amp;&amp; ./repro</c> on Linux x86-64.
/// </summary>
public static class CReproducer
{
    const string ResourceName = "AnonVma.Judges.runtime.h";

    static readonly Lazy<string> runtime = new(() =>
    {
        using var s = typeof(CReproducer).Assembly.GetManifestResourceStream(ResourceName)
                      ?? throw new InvalidOperationException($"resource {ResourceName} is missing from {typeof(CReproducer).Assembly.GetName().Name}");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    });

    /// <summary>The text of tools/executor/runtime.h as this assembly was built with it.</summary>
    public static string Runtime => runtime.Value;

    /// <summary>
    /// The reproducer for a trace. <paramref name="header"/> (e.g. the trace file's seed, profile and failing check)
    /// goes into the comment at the top, line by line.
    /// </summary>
    public static string Generate(Trace trace, string? header = null)
    {
        if (trace.Id.Length == 0 || trace.Id.Any(c => char.IsWhiteSpace(c) || c == '#'))
            throw new ArgumentException($"trace id '{trace.Id}' must be non-empty, without spaces or '#'");
        int processes = 1 + trace.Calls.Count(c => c is ForkCall);
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
             * (tools/executor/README.md).  Everything above main() is tools/executor/runtime.h, verbatim.
             */

            """);
        sb.Append(Runtime);
        if (!Runtime.EndsWith('\n')) sb.Append('\n');
        sb.Append("""

            /* ------------------------------------------------------------------ */
            /* the trace                                                           */

            int main(void)
            {

            """);
        sb.Append($"\tBEGIN({StringLiteral(trace.Id)}, {Hex(trace.ArenaBase)}, {Hex(trace.ArenaSize)});\n");
        int nextProcess = 1, nextHandle = 0, width = (trace.Calls.Count - 1).ToString().Length;
        for (int i = 0; i < trace.Calls.Count; i++)
        {
            var call = trace.Calls[i];
            string note = call switch
            {
                ForkCall => $" /* -> p{nextProcess++} */",
                MemfdCall or FileCall => $" /* -> h{nextHandle++} */",
                _ => "",
            };
            sb.Append($"\t/* {i.ToString().PadLeft(width)} */ CALL({call.Pid}, {Expression(call)});{note}\n");
        }
        sb.Append("\treturn END();\n}\n");
        return sb.ToString();
    }

    /// <summary>The C expression for one call, e.g. <c>sys_munmap(0x200000000000, 0x1000)</c>.</summary>
    public static string Expression(Call call) => call switch
    {
        MmapCall c => $"sys_mmap({Hex(c.Addr)}, {Hex(c.Len)}, {ProtExpr(c.Prot)}, {MapExpr(c.Flags)}, {(c.Handle < 0 ? "-1" : $"HANDLE({c.Handle})")}, {Hex(c.Offset)})",
        MunmapCall c => $"sys_munmap({Hex(c.Addr)}, {Hex(c.Len)})",
        MprotectCall c => $"sys_mprotect({Hex(c.Addr)}, {Hex(c.Len)}, {ProtExpr(c.Prot)})",
        MlockCall c => $"sys_mlock({Hex(c.Addr)}, {Hex(c.Len)})",
        Mlock2Call c => $"sys_mlock2({Hex(c.Addr)}, {Hex(c.Len)}, {Flags(c.Flags, Mlock2Names)})",
        MunlockCall c => $"sys_munlock({Hex(c.Addr)}, {Hex(c.Len)})",
        MlockallCall c => $"sys_mlockall({Flags(c.Flags, MlockallNames)})",
        MunlockallCall => "sys_munlockall()",
        MadviseCall c => $"sys_madvise({Hex(c.Addr)}, {Hex(c.Len)}, {AdviceExpr(c.Advice)})",
        // As the executor's name_arg2: any other second argument comes with the name "x".
        NameCall { Option: not 0 } c => $"sys_prctl5(PR_SET_VMA, {Hex(c.Option)}, {Hex(c.Addr)}, {Hex(c.Len)}, \"x\")",
        NameCall c => $"sys_prctl5(PR_SET_VMA, PR_SET_VMA_ANON_NAME, {Hex(c.Addr)}, {Hex(c.Len)}, {NameExpr(c)})",
        TouchCall c => $"{(c.Write ? "write_byte" : "read_byte")}({Hex(c.Addr)})",
        ForkCall => "fork_process()",
        ExitCall => "exit_process()",
        MemfdCall c => $"new_memfd({Hex(c.Size)})",
        FileCall c => $"new_file({Hex(c.Size)})",
        SetCredsCall c => $"set_creds({Hex(c.MemlockLimit)}, {(c.CapIpcLock ? 1 : 0)})",
        _ => throw new ArgumentException($"no C spelling for {call}"),
    };

    static string NameExpr(NameCall c)
    {
        if (c.BadPointer) return "(char *)1";
        if (c.Name is null) return "NULL";
        var bytes = Encoding.Latin1.GetBytes(c.Name); // the bytes the executor's hex: spelling carries
        if (bytes.Length > 255) throw new ArgumentException($"name of {bytes.Length} bytes: the executor takes at most 255");
        return StringLiteral(bytes);
    }

    /// <summary>A C string literal of the string's Latin-1 bytes (as the executor's wire format encodes names).</summary>
    public static string StringLiteral(string s) => StringLiteral(Encoding.Latin1.GetBytes(s));

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

    // The names a C program uses, with the values of model/Abi/Constants.cs (x86-64). Bits without a name stay hex.
    static readonly (string Name, uint Mask)[] ProtNames =
    [
        ("PROT_READ", Prot.Read), ("PROT_WRITE", Prot.Write), ("PROT_EXEC", Prot.Exec), ("PROT_SEM", Prot.Sem),
        ("PROT_GROWSDOWN", Prot.GrowsDown), ("PROT_GROWSUP", Prot.GrowsUp),
    ];

    static readonly (string Name, uint Mask)[] MapNames =
    [
        // The type first, then the usual order of a C program (MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED), then the rest.
        ("MAP_SHARED_VALIDATE", Map.SharedValidate), ("MAP_SHARED", Map.Shared), ("MAP_PRIVATE", Map.Private),
        ("MAP_DROPPABLE", Map.Droppable), ("MAP_ANONYMOUS", Map.Anonymous), ("MAP_FIXED", Map.Fixed),
        ("MAP_FIXED_NOREPLACE", Map.FixedNoReplace), ("MAP_GROWSDOWN", Map.GrowsDown), ("MAP_DENYWRITE", Map.DenyWrite),
        ("MAP_EXECUTABLE", Map.Executable), ("MAP_LOCKED", Map.Locked), ("MAP_NORESERVE", Map.NoReserve),
        ("MAP_POPULATE", Map.Populate), ("MAP_NONBLOCK", Map.NonBlock), ("MAP_STACK", Map.Stack), ("MAP_HUGETLB", Map.HugeTlb),
        ("MAP_SYNC", Map.Sync),
    ];

    static readonly (string Name, uint Mask)[] Mlock2Names = [("MLOCK_ONFAULT", Mlock.OnFault)];

    static readonly (string Name, uint Mask)[] MlockallNames =
        [("MCL_CURRENT", Mlock.McCurrent), ("MCL_FUTURE", Mlock.McFuture), ("MCL_ONFAULT", Mlock.McOnFault)];

    /// <summary>madvise advice by value: Constants.cs's, and the rest of include/uapi/asm-generic/mman-common.h.</summary>
    static readonly Dictionary<int, string> AdviceNames = new()
    {
        [0] = "MADV_NORMAL", [1] = "MADV_RANDOM", [2] = "MADV_SEQUENTIAL", [3] = "MADV_WILLNEED", [4] = "MADV_DONTNEED",
        [8] = "MADV_FREE", [9] = "MADV_REMOVE", [Madv.DontFork] = "MADV_DONTFORK", [Madv.DoFork] = "MADV_DOFORK",
        [12] = "MADV_MERGEABLE", [13] = "MADV_UNMERGEABLE", [14] = "MADV_HUGEPAGE", [15] = "MADV_NOHUGEPAGE",
        [Madv.DontDump] = "MADV_DONTDUMP", [Madv.DoDump] = "MADV_DODUMP", [Madv.WipeOnFork] = "MADV_WIPEONFORK",
        [Madv.KeepOnFork] = "MADV_KEEPONFORK", [20] = "MADV_COLD", [21] = "MADV_PAGEOUT", [22] = "MADV_POPULATE_READ",
        [23] = "MADV_POPULATE_WRITE", [24] = "MADV_DONTNEED_LOCKED", [25] = "MADV_COLLAPSE", [100] = "MADV_HWPOISON",
        [101] = "MADV_SOFT_OFFLINE", [102] = "MADV_GUARD_INSTALL", [103] = "MADV_GUARD_REMOVE",
    };

    /// <summary>prot as C: PROT_NONE, or names joined by | with any unnamed bits last in hex.</summary>
    public static string ProtExpr(int prot) => prot == Prot.None ? "PROT_NONE" : Flags(prot, ProtNames);

    /// <summary>mmap flags as C, e.g. MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE.</summary>
    public static string MapExpr(int flags) => Flags(flags, MapNames);

    /// <summary>madvise advice as C: its MADV_ name, or the number.</summary>
    public static string AdviceExpr(int advice) => AdviceNames.TryGetValue(advice, out var n) ? n : advice.ToString();

    static string Flags(int value, (string Name, uint Mask)[] names)
    {
        uint rest = (uint)value;
        var parts = new List<string>();
        foreach (var (name, mask) in names)
            if ((rest & mask) == mask)
            {
                parts.Add(name);
                rest &= ~mask;
            }
        if (rest != 0) parts.Add(Hex(rest));
        return parts.Count == 0 ? "0" : string.Join(" | ", parts);
    }

    static string Hex(ulong v) => v == 0 ? "0" : $"0x{v:x}";

    /// <summary>Text that cannot end or nest the comment it goes into.</summary>
    static string Comment(string s) => s.Replace("*/", "*\\/").Replace("/*", "/\\*");
}
