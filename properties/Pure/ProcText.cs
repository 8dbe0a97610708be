using System.Globalization;
using System.Reflection;
using AnonVma.Model.Abi;
using AnonVma.Model.Text;

namespace AnonVma.Properties.Pure;

/// <summary>
/// Reads maps lines and smaps text back into the model's records (test code: only the round-trip, scenario and
/// error tests read /proc text; the judges compare it as text), with errors that name the column and line.
/// </summary>
public static class ProcText
{
    /// <summary>Parses one maps line; the error says which column and what was expected.</summary>
    public static MapsLine ParseMaps(string line)
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
            int expected = Math.Max(MapsLine.PadWidth - (r.Pos - spaces), 0) + 1;
            if (spaces != expected) throw new MapsFormatException(r.Pos, $"{expected} space(s) of padding before the name, got {spaces}");
            name = line[r.Pos..];
        }
        return new MapsLine(start, end, perms, offset, maj, min, ino, name);
    }

    /// <summary>Parses a whole smaps text into blocks; errors name the 1-based line and column.</summary>
    public static List<SmapsBlock> ParseSmaps(string text)
    {
        var lines = TextLines.Split(text);
        var blocks = new List<SmapsBlock>();
        int i = 0;
        while (i < lines.Length)
        {
            int headerLine = i;
            var header = At(i, () => ParseMaps(lines[i]));
            i++;
            var c = new SmapsCounters();
            foreach (var (label, _) in SmapsCounters.Fields)
            {
                if (i >= lines.Length) throw new SmapsFormatException(i + 1, 1, $"'{label}:' (the block from line {headerLine + 1} is cut short)");
                Counter(label).SetValue(c, At(i, () => ParseField(lines[i], label)));
                i++;
            }
            if (i >= lines.Length || !lines[i].StartsWith("THPeligible:")) throw new SmapsFormatException(i + 1, 1, "'THPeligible:'");
            if (!uint.TryParse(lines[i]["THPeligible:".Length..].Trim(), out var thp)) throw new SmapsFormatException(i + 1, 13, "a number");
            i++;
            if (i < lines.Length && lines[i].StartsWith("ProtectionKey:")) i++;
            if (i >= lines.Length || !lines[i].StartsWith("VmFlags: ")) throw new SmapsFormatException(i + 1, 1, "'VmFlags: '");
            if (!TryParseVmFlags(lines[i]["VmFlags: ".Length..], out var flags, out var unknown))
                throw new SmapsFormatException(i + 1, 10, $"known VmFlags codes, got '{unknown}'");
            i++;
            blocks.Add(new SmapsBlock(header, c, thp, flags));
        }
        return blocks;
    }

    /// <summary>Parses a VmFlags body back into bits, by the codes the model renders; unknown codes are reported, not dropped.</summary>
    static bool TryParseVmFlags(string body, out VmFlags flags, out string? unknown)
    {
        flags = 0; unknown = null;
        foreach (var code in body.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int bit = Enumerable.Range(0, 64).FirstOrDefault(b => VmFlagLetters.Render((VmFlags)(1UL << b)) == code + " ", -1);
            if (bit < 0) { unknown = code; return false; }
            flags |= (VmFlags)(1UL << bit);
        }
        return true;
    }

    /// <summary>The counter a smaps label prints ("Pss_Dirty" is PssDirty, "KSM" is Ksm).</summary>
    static FieldInfo Counter(string label) =>
        typeof(SmapsCounters).GetField(label.Replace("_", ""), BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
        ?? throw new InvalidOperationException($"SmapsCounters has no field for '{label}'");

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

    /// <summary>A cursor over one line for the parsers.</summary>
    sealed class Reader(string s)
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

/// <summary>A smaps text that does not read as the kernel writes it.</summary>
public sealed class SmapsFormatException(int line, int column, string expected)
    : FormatException($"line {line}, column {column}: expected {expected}")
{
    public int Line { get; } = line;
    public int Column { get; } = column;
}
