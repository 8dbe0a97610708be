using System.Text;
using AnonVma.Model;

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
        foreach (var t in traces) Append(sb, t);
        return sb.ToString();
    }

    public static void Append(StringBuilder sb, Trace t)
    {
        if (t.Id.Length == 0 || t.Id.Any(c => char.IsWhiteSpace(c) || c == '#'))
            throw new ArgumentException($"trace id '{t.Id}' must be non-empty, without spaces or '#'");
        sb.Append("trace ").Append(t.Id).Append('\n');
        sb.Append("arena ").Append(Hex(t.ArenaBase)).Append(' ').Append(Hex(t.ArenaSize)).Append('\n');
        foreach (var c in t.Calls) sb.Append(Line(c)).Append('\n');
        sb.Append("end\n");
    }

    /// <summary>One call as the executor reads it, e.g. "p0 mmap 0x200000000000 0x2000 0x3 0x100022 -1 0x0".</summary>
    public static string Line(Call call)
    {
        string p = $"p{call.Pid}";
        return call switch
        {
            MmapCall c => $"{p} mmap {Hex(c.Addr)} {Hex(c.Len)} {Hex((uint)c.Prot)} {Hex((uint)c.Flags)} {(c.Handle < 0 ? "-1" : $"h{c.Handle}")} {Hex(c.Offset)}",
            MunmapCall c => $"{p} munmap {Hex(c.Addr)} {Hex(c.Len)}",
            MprotectCall c => $"{p} mprotect {Hex(c.Addr)} {Hex(c.Len)} {Hex((uint)c.Prot)}",
            MlockCall c => $"{p} mlock {Hex(c.Addr)} {Hex(c.Len)}",
            Mlock2Call c => $"{p} mlock2 {Hex(c.Addr)} {Hex(c.Len)} {Hex((uint)c.Flags)}",
            MunlockCall c => $"{p} munlock {Hex(c.Addr)} {Hex(c.Len)}",
            MlockallCall c => $"{p} mlockall {Hex((uint)c.Flags)}",
            MunlockallCall => $"{p} munlockall",
            MadviseCall c => $"{p} madvise {Hex(c.Addr)} {Hex(c.Len)} {c.Advice}",
            NameCall { Option: not 0 } c => $"{p} name_arg2 {Hex(c.Addr)} {Hex(c.Len)} {Hex(c.Option)}",
            NameCall c => $"{p} name {Hex(c.Addr)} {Hex(c.Len)} {NameArg(c)}",
            TouchCall c => $"{p} touch {Hex(c.Addr)} {(c.Write ? "w" : "r")}",
            ForkCall => $"{p} fork",
            ExitCall => $"{p} exit",
            MemfdCall c => $"{p} memfd {Hex(c.Size)}",
            FileCall c => $"{p} file {Hex(c.Size)}",
            SetCredsCall c => $"{p} setcreds {Hex(c.MemlockLimit)} {(c.CapIpcLock ? 1 : 0)}",
            _ => throw new ArgumentException($"the executor has no spelling for {call}"),
        };
    }

    static string NameArg(NameCall c)
    {
        if (c.BadPointer) return "BADPTR";
        if (c.Name is null) return "NULL";
        var bytes = Encoding.Latin1.GetBytes(c.Name);
        if (bytes.Length > 255) throw new ArgumentException($"name of {bytes.Length} bytes: the executor takes at most 255");
        return "hex:" + Convert.ToHexStringLower(bytes);
    }

    static string Hex(ulong v) => $"0x{v:x}";
}
