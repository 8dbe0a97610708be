using System.Globalization;
using System.Text;

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
        var sb = new StringBuilder(128);
        sb.Append(Hex(Start, 8)).Append('-').Append(Hex(End, 8)).Append(' ').Append(Perms).Append(' ')
          .Append(Hex(Offset, 8)).Append(' ').Append(Hex(DevMajor, 2)).Append(':').Append(Hex(DevMinor, 2)).Append(' ')
          .Append(Inode.ToString(CultureInfo.InvariantCulture)).Append(' ');
        if (Name is not null)
        {
            if (sb.Length < PadWidth) sb.Append(' ', PadWidth - sb.Length);
            sb.Append(' ').Append(Name);
        }
        return sb.ToString();
    }

    static string Hex(ulong v, int width) => v.ToString("x", CultureInfo.InvariantCulture).PadLeft(width, '0');
}
