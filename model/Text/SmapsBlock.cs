using AnonVma.Model.Abi;

namespace AnonVma.Model.Text;

/// <summary>The kB counters of one smaps block (fs/proc/task_mmu.c:mem_size_stats, as printed).</summary>
public sealed record SmapsCounters
{
    public ulong Size, KernelPageSize = 4, MMUPageSize = 4, Rss, Pss, PssDirty, SharedClean, SharedDirty, PrivateClean,
        PrivateDirty, Referenced, Anonymous, Ksm, LazyFree, AnonHugePages, ShmemPmdMapped, FilePmdMapped, SharedHugetlb,
        PrivateHugetlb, Swap, SwapPss, Locked;

    /// <summary>The labels in the kernel's order, with their counters.</summary>
    public static readonly (string Label, Func<SmapsCounters, ulong> Get)[] Fields =
    [
        ("Size", c => c.Size), ("KernelPageSize", c => c.KernelPageSize), ("MMUPageSize", c => c.MMUPageSize), ("Rss", c => c.Rss),
        ("Pss", c => c.Pss), ("Pss_Dirty", c => c.PssDirty), ("Shared_Clean", c => c.SharedClean), ("Shared_Dirty", c => c.SharedDirty),
        ("Private_Clean", c => c.PrivateClean), ("Private_Dirty", c => c.PrivateDirty), ("Referenced", c => c.Referenced),
        ("Anonymous", c => c.Anonymous), ("KSM", c => c.Ksm), ("LazyFree", c => c.LazyFree), ("AnonHugePages", c => c.AnonHugePages),
        ("ShmemPmdMapped", c => c.ShmemPmdMapped), ("FilePmdMapped", c => c.FilePmdMapped), ("Shared_Hugetlb", c => c.SharedHugetlb),
        ("Private_Hugetlb", c => c.PrivateHugetlb), ("Swap", c => c.Swap), ("SwapPss", c => c.SwapPss), ("Locked", c => c.Locked),
    ];
}

/// <summary>One VMA's smaps block: the maps header, the counters, THPeligible and VmFlags.</summary>
public sealed record SmapsBlock(MapsLine Header, SmapsCounters Counters, uint ThpEligible, VmFlags Flags)
{
    /// <summary>The block's lines, each without its newline, byte for byte as 6.12 prints them.</summary>
    public IEnumerable<string> RenderLines()
    {
        yield return Header.Render();
        foreach (var (label, get) in SmapsCounters.Fields) yield return FieldLine(label, get(Counters));
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
