using System.Text;
using System.Text.RegularExpressions;

namespace AnonVma.Model.Text;

/// <summary>
/// Makes maps and smaps text from different runs comparable: shmem and file inode numbers (and the device of a
/// file-backed line) change with every mapping and boot, so they become '*', and the padding before the name, whose
/// width depends on the inode's digits, becomes one space. Every other byte is kept.
/// </summary>
public static partial class Normalise
{
    [GeneratedRegex(@"^([0-9a-f]{8,}-[0-9a-f]{8,} [-r][-w][-x][sp] [0-9a-f]{8,}) ([0-9a-f]{2,}:[0-9a-f]{2,}) (\d+) *(.*)$")]
    private static partial Regex Header();

    /// <summary>Normalises every file-backed header line (one whose device and inode are not 00:00 0).</summary>
    public static string Inodes(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var line in TextLines.Split(text))
        {
            var m = Header().Match(line);
            if (m.Success && !(m.Groups[2].Value == "00:00" && m.Groups[3].Value == "0"))
                sb.Append(m.Groups[1].Value).Append(" *:* * ").Append(m.Groups[4].Value);
            else
                sb.Append(line);
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
