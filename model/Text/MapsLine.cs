using System.Globalization;

namespace AnonVma.Model.Text;

/// <summary>
/// One /proc/PID/maps line (fs/proc/task_mmu.c:show_vma_header_prefix, show_map_vma). Name is null when the line
/// ends in the header's trailing space.
/// </summary>
public sealed record MapsLine(ulong Start, ulong End, string Perms, ulong Offset, uint DevMajor, uint DevMinor, ulong Inode, string? Name)
{
    /// <summary>seq_setwidth(25 + 6 * sizeof(void*) - 1): the name is padded to this column, then one more space.</summary>
    public const int PadWidth = 72;

    public string Render()
    {
        string head = $"{Hex(Start, 8)}-{Hex(End, 8)} {Perms} {Hex(Offset, 8)} {Hex(DevMajor, 2)}:{Hex(DevMinor, 2)} {Inode.ToString(CultureInfo.InvariantCulture)} ";
        return Name is null ? head : head.PadRight(PadWidth) + " " + Name;
    }

    static string Hex(ulong v, int width) => v.ToString("x", CultureInfo.InvariantCulture).PadLeft(width, '0');
}
