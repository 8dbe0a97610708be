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

    /// <summary>Parses one line; the error says which column and what was expected.</summary>
    public static MapsLine Parse(string line)
    {
        var r = new Reader(line);
        ulong start = r.Hex("start address");
        r.Expect('-');
        ulong end = r.Hex("end address");
        r.Expect(' ');
        string perms = r.Word("permissions", 4);
        if (perms.Length != 4 || "r-".IndexOf(perms[0]) < 0 || "w-".IndexOf(perms[1]) < 0 || "x-".IndexOf(perms[2]) < 0 || "sp".IndexOf(perms[3]) < 0)
            throw new MapsFormatException(r.Pos - 4, $"permissions like rw-p, got '{perms}'");
        r.Expect(' ');
        ulong offset = r.Hex("offset");
        r.Expect(' ');
        uint maj = (uint)r.Hex("device major");
        r.Expect(':');
        uint min = (uint)r.Hex("device minor");
        r.Expect(' ');
        ulong ino = r.Dec("inode");
        r.Expect(' ');
        string? name = null;
        if (!r.AtEnd)
        {
            int spaces = 0;
            while (!r.AtEnd && r.Peek == ' ') { r.Pos++; spaces++; }
            if (r.AtEnd) throw new MapsFormatException(r.Pos, "a name after the padding");
            int expected = Math.Max(PadWidth - (r.Pos - spaces), 0) + 1;
            if (spaces != expected) throw new MapsFormatException(r.Pos, $"{expected} space(s) of padding before the name, got {spaces}");
            name = line[r.Pos..];
        }
        return new MapsLine(start, end, perms, offset, maj, min, ino, name);
    }

    /// <summary>A cursor over one line for the parsers.</summary>
    internal sealed class Reader(string s)
    {
        public int Pos;
        public bool AtEnd => Pos >= s.Length;
        public char Peek => s[Pos];

        public void Expect(char c)
        {
            if (AtEnd || s[Pos] != c) throw new MapsFormatException(Pos, $"'{(c == ' ' ? "space" : c)}'" + (AtEnd ? ", got end of line" : $", got '{s[Pos]}'"));
            Pos++;
        }

        public ulong Hex(string what)
        {
            int st = Pos;
            while (!AtEnd && Uri.IsHexDigit(s[Pos])) Pos++;
            if (st == Pos || !ulong.TryParse(s.AsSpan(st, Pos - st), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v))
                throw new MapsFormatException(st, $"{what} in hex");
            return v;
        }

        public ulong Dec(string what)
        {
            int st = Pos;
            while (!AtEnd && char.IsAsciiDigit(s[Pos])) Pos++;
            if (st == Pos || !ulong.TryParse(s.AsSpan(st, Pos - st), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                throw new MapsFormatException(st, $"{what} in decimal");
            return v;
        }

        public string Word(string what, int max)
        {
            int st = Pos;
            while (!AtEnd && s[Pos] != ' ' && Pos - st < max) Pos++;
            if (st == Pos) throw new MapsFormatException(st, what);
            return s[st..Pos];
        }
    }
}

/// <summary>A maps or smaps line that does not read as the kernel writes it; Column is 1-based.</summary>
public sealed class MapsFormatException(int column0, string expected)
    : FormatException($"column {column0 + 1}: expected {expected}")
{
    public int Column { get; } = column0 + 1;
}
