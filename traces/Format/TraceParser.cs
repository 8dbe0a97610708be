using System.Text.RegularExpressions;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;

namespace AnonVma.Traces;

/// <summary>
/// Reads a whole trace file line by line (traces/README.md has the grammar): the version line, the header, the
/// trace and arena directives, then calls, each optionally followed by its maps block, with comments anywhere.
/// </summary>
internal sealed partial class TraceParser(string file)
{
    readonly List<KeyValuePair<string, string>> header = [];
    readonly List<TraceComment> comments = [];
    readonly List<Call> calls = [];
    readonly List<string?> results = [];
    readonly List<List<ExpectedView>?> views = [];
    readonly Dictionary<int, int> viewLines = []; // pid -> line of its view, for the last call
    string? id;
    int traceLine, arenaLine;
    ulong arenaBase, arenaSize;
    List<string>? openMaps; // the maps block '|' lines go to

    [GeneratedRegex(@"^#[ \t]*([A-Za-z][A-Za-z0-9_.-]*):(?:[ \t]+(.*))?$")]
    internal static partial Regex HeaderLine();

    [GeneratedRegex(@"^(0|[1-9][0-9]*|0x(0|[1-9a-f][0-9a-f]*)|-E([A-Z0-9]+)|SIGSEGV|SIGBUS|[ph](0|[1-9][0-9]*)|ok|ESCAPED|noproc)$")]
    internal static partial Regex ResultToken();

    public TraceDocument Parse(string text)
    {
        bool versioned = false;
        int n = 0, start = 0;
        while (true)
        {
            int nl = text.IndexOf('\n', start);
            int end = nl < 0 ? text.Length : nl;
            n++;
            if (nl >= 0 && end > start && text[end - 1] == '\r') end--; // CRLF; a lone \r is refused below
            int indent = start;
            while (indent < end && text[indent] is ' ' or '\t') indent++;
            if (end - indent > TraceText.MaxLineChars)
                throw new TraceSyntaxException(file, n, indent - start + TraceText.MaxLineChars + 1,
                    $"expected at most {TraceText.MaxLineChars} characters after the indentation, found {end - indent}");
            var cur = new LineCursor(file, n, text[start..end]);
            Characters(cur);
            if (!cur.AtEnd) Line(cur, ref versioned);
            if (nl < 0) break;
            start = nl + 1;
        }
        int eof = text.Length == 0 || text[^1] == '\n' ? n : n + 1; // the line after the last one
        if (!versioned) throw new TraceSyntaxException(file, eof, 1, $"expected the version line '{TraceText.Magic} {TraceText.Version}', found end of file");
        if (id is null) throw new TraceSyntaxException(file, eof, 1, "expected 'trace <id>', found end of file");
        if (arenaLine == 0) throw new TraceSyntaxException(file, eof, 1, "expected 'arena <base> <size>', found end of file");
        var trace = new Trace(id, arenaBase, arenaSize, calls.ToArray());
        var expected = new CallExpectation?[calls.Count];
        for (int i = 0; i < calls.Count; i++)
            if (results[i] is not null || views[i] is not null) expected[i] = new CallExpectation(results[i], views[i]);
        return new TraceDocument(trace, header.ToArray(), expected, comments.ToArray());
    }

    /// <summary>
    /// Refuses what no part of the format needs and a printer could not give back: control characters other than tab
    /// (a lone carriage return, NUL, DEL…) and, in text not read from UTF-8, unpaired surrogates.
    /// </summary>
    static void Characters(LineCursor cur)
    {
        int i = RefusedCharacter(cur.Text);
        if (i < 0) return;
        char c = cur.Text[i];
        if (char.IsSurrogate(c)) throw cur.Error(i, $"expected Unicode text, found an unpaired surrogate U+{(int)c:X4}");
        throw cur.Error(i, $"expected no control character but tab, found U+{(int)c:X4}" +
            (c == '\r' ? " (a carriage return ends a line only before a line feed)" : ""));
    }

    /// <summary>The index of the first character the format refuses (see Characters), or -1; the printer asks too.</summary>
    internal static int RefusedCharacter(string t)
    {
        for (int i = 0; i < t.Length; i++)
        {
            char c = t[i];
            if (c is (>= ' ' and < '\x7f') or '\t') continue;
            if (char.IsHighSurrogate(c) && i + 1 < t.Length && char.IsLowSurrogate(t[i + 1])) { i++; continue; }
            if (char.IsControl(c) || char.IsSurrogate(c)) return i;
        }
        return -1;
    }

    void Line(LineCursor cur, ref bool versioned)
    {
        if (!versioned) { VersionLine(cur); versioned = true; return; }
        if (cur.Text[cur.Pos] == '#') { Comment(cur); return; }
        if (cur.Text[cur.Pos] == '|') { MapsLine(cur); return; }
        string? word = cur.PeekWord();
        switch (word)
        {
            case "trace": TraceDirective(cur); break;
            case "arena": ArenaDirective(cur); break;
            case "maps" or "gone": ViewLine(cur, word); break;
            case "anonvma": throw cur.Expected("one version line per file");
            case not null when word.Length > 1 && word[0] == 'p' && word.Skip(1).All(char.IsAsciiDigit): CallLine(cur); break;
            default: throw cur.Expected("a call like 'p0: munmap(...)', 'trace', 'arena', a maps block line or a '#' comment");
        }
    }

    void VersionLine(LineCursor cur)
    {
        if (cur.PeekWord() != "anonvma") throw cur.Expected($"the version line '{TraceText.Magic} {TraceText.Version}' first");
        cur.Word("anonvma");
        if (!cur.TryChar('-') || cur.PeekWord() != "trace") throw cur.Error(0, $"expected the version line '{TraceText.Magic} {TraceText.Version}' first, found {LineCursor.Quote(cur.Text.Trim())}");
        cur.Word("trace");
        cur.SkipBlanks();
        int at = cur.Pos;
        ulong v = cur.Number("the version");
        if (v != TraceText.Version) throw cur.Error(at, $"expected version {TraceText.Version}, found version {v} (this reader knows '{TraceText.Magic} {TraceText.Version}' only)");
        cur.End("after the version");
    }

    void Comment(LineCursor cur)
    {
        string text = cur.Text[cur.Pos..].TrimEnd();
        if (id is null && HeaderLine().Match(text) is { Success: true } m)
        {
            string key = m.Groups[1].Value;
            if (header.Any(kv => kv.Key == key)) throw cur.Error(cur.Pos, $"expected each header key once, found a second '{key}'");
            string value = m.Groups[2].Value.Trim();
            if (key.Length + value.Length + 4 > TraceText.MaxLineChars) // as printed: "# key: value"
                throw cur.Error(cur.Pos, $"expected a header line of at most {TraceText.MaxLineChars} characters as printed ('# {key}: …'), found {key.Length + value.Length + 4}");
            header.Add(new(key, value));
            return;
        }
        comments.Add(new TraceComment(id is null ? -1 : calls.Count, text));
    }

    void TraceDirective(LineCursor cur)
    {
        if (id is not null) throw cur.Expected($"one 'trace' line (the first is on line {traceLine})");
        cur.Word("trace");
        cur.SkipBlanks();
        int at = cur.Pos;
        string token = cur.Token();
        if (token.Length == 0) throw cur.Error(at, "expected a trace id, found end of line");
        if (token.IndexOf('#') is var hash and >= 0) throw cur.Error(at + hash, "expected a trace id without '#', found '#'");
        if (token.FirstOrDefault(char.IsWhiteSpace) is var blank and not '\0')
            throw cur.Error(at + token.IndexOf(blank), $"expected a trace id without blanks, found U+{(int)blank:X4}");
        cur.End("after the trace id");
        (id, traceLine) = (token, cur.Line);
    }

    void ArenaDirective(LineCursor cur)
    {
        if (id is null) throw cur.Expected("'trace <id>' before 'arena'");
        if (arenaLine > 0) throw cur.Expected($"one 'arena' line (the first is on line {arenaLine})");
        cur.Word("arena");
        cur.SkipBlanks();
        int baseAt = cur.Pos;
        ulong b = cur.Number("the arena base");
        cur.SkipBlanks();
        int sizeAt = cur.Pos;
        ulong s = cur.Number("the arena size");
        cur.End("after the arena size");
        if (!Mem.Aligned(b)) throw cur.Error(baseAt, $"expected a page-aligned arena base, found 0x{b:x}");
        if (s == 0 || !Mem.Aligned(s)) throw cur.Error(sizeAt, $"expected a non-zero page-aligned arena size, found 0x{s:x}");
        if (b + s < b) throw cur.Error(sizeAt, $"expected an arena that ends below 2^64, found 0x{b:x} + 0x{s:x}");
        (arenaBase, arenaSize, arenaLine) = (b, s, cur.Line);
    }

    void CallLine(LineCursor cur)
    {
        if (id is null) throw cur.Expected("'trace <id>' before the first call");
        if (arenaLine == 0) throw cur.Expected("'arena <base> <size>' before the first call");
        int pid = Pid(cur);
        cur.Expect(':', "after the process");
        int callAt = cur.Pos;
        var call = CallSyntax.Parse(cur, pid);
        if (call is NameCall { Name.Length: > ExecutorLimits.MaxNameBytes } named)
            throw cur.Error(callAt + cur.Text[callAt..].TakeWhile(c => c is ' ' or '\t').Count(),
                $"expected a name of at most {ExecutorLimits.MaxNameBytes} bytes (the executor's limit), found {named.Name.Length} bytes");
        string? result = null;
        if (!cur.AtEnd)
        {
            if (!cur.TryChar('=')) throw cur.Expected("' = <result>' or the end of the line after the call");
            cur.SkipBlanks();
            int at = cur.Pos;
            result = cur.Token();
            if (!ResultToken().IsMatch(result))
                throw cur.Error(at, $"expected a result like 0, 0x200000000000, -EINVAL, SIGSEGV, p1, h0, ok or ESCAPED, found {(result.Length == 0 ? "end of line" : LineCursor.Quote(result))}");
            cur.End("after the result");
        }
        calls.Add(call);
        results.Add(result);
        views.Add(null);
        viewLines.Clear();
        openMaps = null;
    }

    int Pid(LineCursor cur)
    {
        cur.SkipBlanks();
        int at = cur.Pos;
        string w = cur.Word("a process p0 to p7");
        if (w.Length < 2 || w[0] != 'p' || !w.Skip(1).All(char.IsAsciiDigit) || !int.TryParse(w[1..], out int pid) || pid >= ExecutorLimits.MaxProcesses)
            throw cur.Error(at, $"expected a process p0 to p{ExecutorLimits.MaxProcesses - 1}, found {LineCursor.Quote(w)}");
        return pid;
    }

    void ViewLine(LineCursor cur, string word)
    {
        if (calls.Count == 0) throw cur.Expected($"a call before its maps block");
        cur.Word(word);
        cur.SkipBlanks();
        int at = cur.Pos;
        int pid = Pid(cur);
        var list = views[^1] ??= [];
        if (viewLines.TryGetValue(pid, out int first))
            throw cur.Error(at, $"expected one view of p{pid} per call, found a second (the first is on line {first})");
        viewLines[pid] = cur.Line;
        if (word == "maps")
        {
            cur.Expect(':', $"after 'maps p{pid}'");
            cur.End($"after 'maps p{pid}:' (its lines follow, each starting with '| ')");
            openMaps = [];
            list.Add(new ExpectedView(pid, false, openMaps));
        }
        else
        {
            cur.End($"after 'gone p{pid}'");
            openMaps = null;
            list.Add(new ExpectedView(pid, true, []));
        }
    }

    void MapsLine(LineCursor cur)
    {
        if (openMaps is null) throw cur.Expected("a 'maps pN:' line before the first '| ' line of its block");
        int bar = cur.Pos;
        if (bar + 1 < cur.Text.Length && cur.Text[bar + 1] != ' ') throw cur.Error(bar + 1, $"expected ' ' after '|', found '{cur.Text[bar + 1]}'");
        openMaps.Add(bar + 2 <= cur.Text.Length ? cur.Text[(bar + 2)..] : "");
    }
}
