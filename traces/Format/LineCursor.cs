using System.Globalization;
using System.Text;

namespace AnonVma.Traces;

/// <summary>
/// The tokenizer: reads one line of a trace file token by token (words, numbers, C strings, punctuation) and makes
/// the "file:line:col: expected …, found …" errors. Blanks between tokens are skipped.
/// </summary>
internal sealed class LineCursor(string file, int line, string text)
{
    public string Text { get; } = text;
    public int Line { get; } = line;
    public int Pos { get; set; }

    public TraceSyntaxException Error(int pos, string what) => new(file, Line, pos + 1, what);

    /// <summary>"expected {what}, found {the next token}", at the next token.</summary>
    public TraceSyntaxException Expected(string what)
    {
        SkipBlanks();
        return Error(Pos, $"expected {what}, found {Found()}");
    }

    public void SkipBlanks()
    {
        while (Pos < Text.Length && Text[Pos] is ' ' or '\t') Pos++;
    }

    public bool AtEnd
    {
        get { SkipBlanks(); return Pos >= Text.Length; }
    }

    /// <summary>The next token, quoted, for messages.</summary>
    public string Found()
    {
        if (Pos >= Text.Length) return "end of line";
        char c = Text[Pos];
        if (c == '"') return "a string";
        if (IsWordChar(c)) return Quote(Text[Pos..WordEnd(Pos)]);
        return c is < ' ' or > '~' ? $"U+{(int)c:X4}" : $"'{c}'";
    }

    /// <summary>A token quoted for a message, cut short when long, so a huge token cannot make a huge message.</summary>
    public static string Quote(string token) =>
        token.Length <= 60 ? $"'{token}'" : $"'{token[..50]}…' ({token.Length} characters)";

    static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    int WordEnd(int from)
    {
        int i = from;
        while (i < Text.Length && IsWordChar(Text[i])) i++;
        return i;
    }

    public bool TryChar(char c)
    {
        SkipBlanks();
        if (Pos < Text.Length && Text[Pos] == c) { Pos++; return true; }
        return false;
    }

    public void Expect(char c, string context)
    {
        if (!TryChar(c)) throw Expected($"'{c}' {context}");
    }

    /// <summary>The next word (letters, digits, '_') without consuming it, or null.</summary>
    public string? PeekWord()
    {
        SkipBlanks();
        int end = WordEnd(Pos);
        return end > Pos ? Text[Pos..end] : null;
    }

    public string Word(string what)
    {
        var w = PeekWord() ?? throw Expected(what);
        Pos += w.Length;
        return w;
    }

    /// <summary>A decimal or 0x-hex number of at most `bits` bits; `what` says which argument, for messages.</summary>
    public ulong Number(string what, int bits = 64)
    {
        SkipBlanks();
        int start = Pos;
        var w = PeekWord() ?? throw Expected($"a number for {what}");
        bool hex = w.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        var digits = hex ? w[2..] : w;
        bool ok = digits.Length > 0 && digits.All(hex ? char.IsAsciiHexDigit : char.IsAsciiDigit);
        if (!ok) throw Error(start, $"expected a number for {what}, found {Quote(w)}");
        if (!ulong.TryParse(digits, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out var v) ||
            (bits < 64 && v >> bits != 0))
            throw Error(start, $"expected a number below 2^{bits} for {what}, found {Quote(w)}");
        Pos += w.Length;
        return v;
    }

    /// <summary>A C string literal; escapes \\ \" \n \t \xNN; each char is one byte (Latin-1).</summary>
    public string String(string what)
    {
        SkipBlanks();
        if (Pos >= Text.Length || Text[Pos] != '"') throw Expected(what);
        int open = Pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (Pos >= Text.Length) throw Error(Pos, $"expected '\"' to end the string opened at column {open + 1}, found end of line");
            char c = Text[Pos];
            if (c == '"') { Pos++; return sb.ToString(); }
            if (c == '\\')
            {
                Pos++;
                char e = Pos < Text.Length ? Text[Pos] : '\0';
                switch (e)
                {
                    case '\\': case '"': sb.Append(e); Pos++; break;
                    case 'n': sb.Append('\n'); Pos++; break;
                    case 't': sb.Append('\t'); Pos++; break;
                    case 'x':
                        if (Pos + 2 < Text.Length && char.IsAsciiHexDigit(Text[Pos + 1]) && char.IsAsciiHexDigit(Text[Pos + 2]))
                        {
                            sb.Append((char)Convert.ToByte(Text.Substring(Pos + 1, 2), 16));
                            Pos += 3;
                            break;
                        }
                        Pos++;
                        throw Error(Pos, $"expected two hex digits after \\x, found {Describe(Text[Pos..Math.Min(Text.Length, Pos + 2)])}");
                    default:
                        throw Error(Pos - 1, $"expected an escape \\\\, \\\", \\n, \\t or \\xNN, found {(Pos < Text.Length ? Describe("\\" + e) : "end of line")}");
                }
                continue;
            }
            if (c is < ' ' or > '~')
                throw Error(Pos, $"expected printable ASCII or an escape in the string, found U+{(int)c:X4} (write bytes as \\xNN)");
            sb.Append(c);
            Pos++;
        }
    }

    static string Describe(string s) => s.Length == 0 ? "end of line" : $"'{s}'";

    /// <summary>The rest of the line is blank; otherwise "trailing garbage".</summary>
    public void End(string after)
    {
        if (!AtEnd) throw Expected($"the end of the line {after}");
    }

    /// <summary>The next run of non-blank characters.</summary>
    public string Token()
    {
        SkipBlanks();
        int start = Pos;
        while (Pos < Text.Length && Text[Pos] is not (' ' or '\t')) Pos++;
        return Text[start..Pos];
    }
}
