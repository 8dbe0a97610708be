using System.Text;
using AnonVma.Model.Abi;

namespace AnonVma.Model.Text;

/// <summary>The kB counters of one smaps block (fs/proc/task_mmu.c:mem_size_stats, as printed).</summary>
public sealed record SmapsCounters
{
    public ulong Size, KernelPageSize = 4, MMUPageSize = 4, Rss, Pss, PssDirty, SharedClean, SharedDirty, PrivateClean,
        PrivateDirty, Referenced, Anonymous, Ksm, LazyFree, AnonHugePages, ShmemPmdMapped, FilePmdMapped, SharedHugetlb,
        PrivateHugetlb, Swap, SwapPss, Locked;

    /// <summary>The labels in the kernel's order, with their accessors.</summary>
    public static readonly (string Label, Func<SmapsCounters, ulong> Get, Action<SmapsCounters, ulong> Set)[] Fields =
    [
        ("Size", c => c.Size, (c, v) => c.Size = v), ("KernelPageSize", c => c.KernelPageSize, (c, v) => c.KernelPageSize = v),
        ("MMUPageSize", c => c.MMUPageSize, (c, v) => c.MMUPageSize = v), ("Rss", c => c.Rss, (c, v) => c.Rss = v),
        ("Pss", c => c.Pss, (c, v) => c.Pss = v), ("Pss_Dirty", c => c.PssDirty, (c, v) => c.PssDirty = v),
        ("Shared_Clean", c => c.SharedClean, (c, v) => c.SharedClean = v), ("Shared_Dirty", c => c.SharedDirty, (c, v) => c.SharedDirty = v),
        ("Private_Clean", c => c.PrivateClean, (c, v) => c.PrivateClean = v), ("Private_Dirty", c => c.PrivateDirty, (c, v) => c.PrivateDirty = v),
        ("Referenced", c => c.Referenced, (c, v) => c.Referenced = v), ("Anonymous", c => c.Anonymous, (c, v) => c.Anonymous = v),
        ("KSM", c => c.Ksm, (c, v) => c.Ksm = v), ("LazyFree", c => c.LazyFree, (c, v) => c.LazyFree = v),
        ("AnonHugePages", c => c.AnonHugePages, (c, v) => c.AnonHugePages = v), ("ShmemPmdMapped", c => c.ShmemPmdMapped, (c, v) => c.ShmemPmdMapped = v),
        ("FilePmdMapped", c => c.FilePmdMapped, (c, v) => c.FilePmdMapped = v), ("Shared_Hugetlb", c => c.SharedHugetlb, (c, v) => c.SharedHugetlb = v),
        ("Private_Hugetlb", c => c.PrivateHugetlb, (c, v) => c.PrivateHugetlb = v), ("Swap", c => c.Swap, (c, v) => c.Swap = v),
        ("SwapPss", c => c.SwapPss, (c, v) => c.SwapPss = v), ("Locked", c => c.Locked, (c, v) => c.Locked = v),
    ];
}

/// <summary>One VMA's smaps block: the maps header, the counters, THPeligible and VmFlags.</summary>
public sealed record SmapsBlock(MapsLine Header, SmapsCounters Counters, uint ThpEligible, VmFlags Flags)
{
    /// <summary>The block's lines, each without its newline, byte for byte as 6.12 prints them.</summary>
    public IEnumerable<string> RenderLines()
    {
        yield return Header.Render();
        foreach (var (label, get, _) in SmapsCounters.Fields) yield return FieldLine(label, get(Counters));
        yield return $"THPeligible:    {ThpEligible,8}";
        yield return "VmFlags: " + VmFlagLetters.Render(Flags);
    }

    /// <summary>SEQ_PUT_DEC: label padded to 16 and the value in 8 columns; Private_Hugetlb is 17 and 7.</summary>
    public static string FieldLine(string label, ulong kb)
    {
        var head = (label + ":").PadRight(16);
        if (head.Length > 16) return head + " " + kb.ToString().PadLeft(7) + " kB";
        return head + kb.ToString().PadLeft(8) + " kB";
    }

    /// <summary>Parses a whole smaps text into blocks; errors name the 1-based line and column.</summary>
    public static List<SmapsBlock> ParseAll(string text)
    {
        var lines = TextLines.Split(text);
        var blocks = new List<SmapsBlock>();
        int i = 0;
        while (i < lines.Length)
        {
            int headerLine = i;
            var header = At(i, () => MapsLine.Parse(lines[i]));
            i++;
            var c = new SmapsCounters();
            foreach (var (label, _, set) in SmapsCounters.Fields)
            {
                if (i >= lines.Length) throw new SmapsFormatException(i + 1, 1, $"'{label}:' (the block from line {headerLine + 1} is cut short)");
                set(c, At(i, () => ParseField(lines[i], label)));
                i++;
            }
            if (i >= lines.Length || !lines[i].StartsWith("THPeligible:")) throw new SmapsFormatException(i + 1, 1, "'THPeligible:'");
            if (!uint.TryParse(lines[i]["THPeligible:".Length..].Trim(), out var thp)) throw new SmapsFormatException(i + 1, 13, "a number");
            i++;
            if (i < lines.Length && lines[i].StartsWith("ProtectionKey:")) i++;
            if (i >= lines.Length || !lines[i].StartsWith("VmFlags: ")) throw new SmapsFormatException(i + 1, 1, "'VmFlags: '");
            if (!VmFlagLetters.TryParse(lines[i]["VmFlags: ".Length..], out var flags, out var unknown))
                throw new SmapsFormatException(i + 1, 10, $"known VmFlags codes, got '{unknown}'");
            i++;
            blocks.Add(new SmapsBlock(header, c, thp, flags));
        }
        return blocks;
    }

    static T At<T>(int line, Func<T> f)
    {
        try { return f(); }
        catch (MapsFormatException e) { throw new SmapsFormatException(line + 1, e.Column, e.Message[(e.Message.IndexOf("expected") + 9)..]); }
    }

    static ulong ParseField(string line, string label)
    {
        string prefix = label + ":";
        if (!line.StartsWith(prefix)) throw new MapsFormatException(0, $"'{prefix}'");
        if (!line.EndsWith(" kB")) throw new MapsFormatException(line.Length, "' kB' at the end");
        var num = line[prefix.Length..^3].Trim();
        if (!ulong.TryParse(num, out var v)) throw new MapsFormatException(prefix.Length, "a number of kB");
        return v;
    }
}

/// <summary>A smaps text that does not read as the kernel writes it.</summary>
public sealed class SmapsFormatException(int line, int column, string expected)
    : FormatException($"line {line}, column {column}: expected {expected}")
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}

/// <summary>Splits /proc text into lines, accepting \n and the serial console's \r\n, and ignoring the final newline.</summary>
public static class TextLines
{
    public static string[] Split(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        return lines.Length > 0 && lines[^1].Length == 0 ? lines[..^1] : lines;
    }
}
