using System.Buffers;
using System.Text;
using System.Text.Unicode;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;

namespace AnonVma.Traces;

/// <summary>
/// The entry point for trace files (traces/README.md): reads and writes the versioned text format, so that a finding
/// or a corpus trace can be saved, read by a person, edited and replayed. Print(Parse(text)) is canonical: printing
/// it again gives the same text, and parsing it gives the same document.
/// </summary>
public static class TraceText
{
    /// <summary>The version this code reads and writes ("anonvma-trace 1").</summary>
    public const int Version = 1;
    internal const string Magic = "anonvma-trace";

    /// <summary>Larger files are refused, so a runaway file cannot exhaust memory: a thousand-call trace with maps
    /// after every call takes about 1 MB.</summary>
    public const int MaxFileBytes = 16 << 20;
    /// <summary>
    /// Longer lines (indentation aside) are refused, so a runaway line or a 100 MB number costs little to reject; the
    /// longest a trace needs is a maps line naming a file (PATH_MAX is 4096). The printer indents only maps lines.
    /// </summary>
    public const int MaxLineChars = 8192;

    /// <summary>Reads a document; fileName only names the file in errors. Throws <see cref="TraceSyntaxException"/>.</summary>
    public static TraceDocument Parse(string text, string fileName) => new TraceParser(fileName).Parse(text);

    /// <summary>
    /// Reads a document from a file's bytes, which must be UTF-8 (a leading byte order mark is skipped) and at most
    /// <see cref="MaxFileBytes"/> long. Throws <see cref="TraceSyntaxException"/> for anything else.
    /// </summary>
    public static TraceDocument Parse(ReadOnlySpan<byte> utf8, string fileName)
    {
        bool tooLong = utf8.Length > MaxFileBytes;
        var head = tooLong ? utf8[..MaxFileBytes] : utf8;
        if (head.StartsWith("\uFEFF"u8)) head = head[3..];
        var chars = new char[head.Length];
        var status = Utf8.ToUtf16(head, chars, out int read, out int written, replaceInvalidSequences: false, isFinalBlock: !tooLong);
        var text = chars.AsSpan(0, written);
        if (status == OperationStatus.InvalidData)
            throw At(fileName, text, $"expected UTF-8 text, found the byte 0x{head[read]:x2}");
        if (tooLong)
            throw At(fileName, text, $"expected a file of at most {MaxFileBytes} bytes ({MaxFileBytes >> 20} MiB), found more");
        return Parse(new string(text), fileName);
    }

    /// <summary>An error at the end of `before`, the text read so far.</summary>
    static TraceSyntaxException At(string file, ReadOnlySpan<char> before, string what)
    {
        int lineStart = before.LastIndexOf('\n') + 1;
        return new TraceSyntaxException(file, before.Count('\n') + 1, before.Length - lineStart + 1, what);
    }

    /// <summary>Reads the file (or pipe), never more than <see cref="MaxFileBytes"/> and a byte; errors name the path.</summary>
    public static TraceDocument Load(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buf = ArrayPool<byte>.Shared.Rent(MaxFileBytes + 1);
        try
        {
            int n = fs.ReadAtLeast(buf.AsSpan(0, MaxFileBytes + 1), MaxFileBytes + 1, throwOnEndOfStream: false);
            return Parse(buf.AsSpan(0, n), path);
        }
        finally { ArrayPool<byte>.Shared.Return(buf); }
    }

    /// <summary>Writes the file atomically and durably (<see cref="AtomicFile.Write"/>), creating the directory.</summary>
    public static void Save(string path, TraceDocument doc)
    {
        string text = Print(doc);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, text);
    }

    /// <summary>One call as a trace file spells it, without result: "p0: munmap(0x200000000000, 0x1000)".</summary>
    public static string Print(Call call) => CallSyntax.Print(call);

    /// <summary>The canonical text; throws ArgumentException for what the format cannot hold (a multi-line value…).</summary>
    public static string Print(TraceDocument doc)
    {
        var t = doc.Trace;
        Check(t.Id.Length > 0 && !t.Id.Any(c => char.IsWhiteSpace(c) || c == '#'), $"trace id '{t.Id}' must be non-empty, without blanks or '#'");
        Line($"trace {t.Id}", "the trace id");
        Check(Mem.Aligned(t.ArenaBase) && Mem.Aligned(t.ArenaSize) && t.ArenaSize > 0 && t.ArenaBase + t.ArenaSize > t.ArenaBase,
            $"arena 0x{t.ArenaBase:x} 0x{t.ArenaSize:x} must be page-aligned, non-empty and below 2^64");
        Check(doc.Expected.Count == t.Calls.Count, $"{doc.Expected.Count} expectations for {t.Calls.Count} calls");
        var sb = new StringBuilder();
        sb.Append($"{Magic} {Version}\n");
        foreach (var (key, value) in doc.Header)
        {
            Check(TraceDocument.KeySyntax().IsMatch(key), $"header key '{key}' is not a word");
            Check(value == value.Trim() && !value.Contains('\n') && !value.Contains('\r'), $"header value '{value}' must be one trimmed line");
            sb.Append(Line($"# {key}:{(value.Length > 0 ? " " + value : "")}", $"header '{key}'")).Append('\n');
        }
        foreach (var c in doc.Comments)
            Check(c.Before >= -1 && c.Before <= t.Calls.Count, $"comment '{c.Text}' is placed before call {c.Before} of {t.Calls.Count}");
        var comments = doc.Comments.ToLookup(c => c.Before);
        foreach (var c in comments[-1])
            Check(!TraceParser.HeaderLine().IsMatch(c.Text), $"comment '{c.Text}' before the trace line would read back as a header entry");
        Comments(sb, comments[-1]);
        sb.Append($"trace {t.Id}\n");
        sb.Append($"arena {CallSyntax.H(t.ArenaBase)} {CallSyntax.H(t.ArenaSize)}\n");
        if (t.Calls.Count > 0 || comments[t.Calls.Count].Any()) sb.Append('\n');
        for (int i = 0; i < t.Calls.Count; i++)
        {
            Comments(sb, comments[i]);
            if (t.Calls[i] is NameCall { Name.Length: > ExecutorLimits.MaxNameBytes } named)
                Check(false, $"call {i}: a name of {named.Name.Length} bytes (the executor takes at most {ExecutorLimits.MaxNameBytes})");
            sb.Append(CallSyntax.Print(t.Calls[i]));
            var e = doc.Expected[i];
            if (e?.Result is { } r)
            {
                Check(TraceParser.ResultToken().IsMatch(r), $"call {i}: '{r}' is not a result the executor prints");
                sb.Append(" = ").Append(r);
            }
            sb.Append('\n');
            foreach (var v in e?.Views ?? [])
            {
                Check(v.Pid is >= 0 and < ExecutorLimits.MaxProcesses, $"call {i}: a view of p{v.Pid}");
                Check(!v.Gone || v.Maps.Count == 0, $"call {i}: p{v.Pid} is gone but has maps lines");
                Check(e!.Views!.Count(w => w.Pid == v.Pid) == 1, $"call {i}: two views of p{v.Pid}");
                if (v.Gone) { sb.Append($"    gone p{v.Pid}\n"); continue; }
                sb.Append($"    maps p{v.Pid}:\n");
                foreach (var line in v.Maps) // Line refuses a line break, as any control character
                    sb.Append(Line("    |" + (line.Length > 0 ? " " + line : ""), $"call {i}: a maps line of p{v.Pid}")).Append('\n');
            }
        }
        Comments(sb, comments[t.Calls.Count]);
        return sb.ToString();
    }

    static void Comments(StringBuilder sb, IEnumerable<TraceComment> comments)
    {
        foreach (var c in comments)
        {
            Check(c.Text.StartsWith('#') && c.Text == c.Text.TrimEnd() && !c.Text.Contains('\n') && !c.Text.Contains('\r'),
                $"comment '{c.Text}' must be one line starting with '#', without trailing blanks");
            sb.Append(Line(c.Text, "a comment")).Append('\n');
        }
    }

    /// <summary>A printed line, if the parser would read it back: no control character but tab, no unpaired
    /// surrogate, at most <see cref="MaxLineChars"/> characters after the indentation.</summary>
    static string Line(string line, string what)
    {
        int bad = TraceParser.RefusedCharacter(line);
        Check(bad < 0, $"{what} holds U+{(bad < 0 ? 0 : line[bad]):X4}, which the format refuses");
        int length = line.TrimStart(' ').Length;
        Check(length <= MaxLineChars, $"{what} is {length} characters long after the indentation; a line takes at most {MaxLineChars}");
        return line;
    }

    static void Check(bool ok, string what)
    {
        if (!ok) throw new ArgumentException($"cannot print the trace document: {what}");
    }
}
