using System.Text;
using AnonVma.Model;
using AnonVma.Model.Abi;

namespace AnonVma.Traces;

/// <summary>
/// The entry point for trace files (traces/README.md): reads and writes the versioned text format, so that a finding
/// or a corpus trace can be saved, read by a person, edited and replayed. Print(Parse(text)) is canonical: printing
/// it again gives the same text, and parsing it gives the same document.
/// </summary>
public static class TraceText
{
    /// <summary>The version this code reads and writes ("anonvma-trace 1").</summary>
    public const int Version = TraceParser.Version;

    /// <summary>Reads a document; fileName only names the file in errors. Throws <see cref="TraceSyntaxException"/>.</summary>
    public static TraceDocument Parse(string text, string fileName) => new TraceParser(fileName).Parse(text);

    public static TraceDocument Load(string path) => Parse(File.ReadAllText(path, Encoding.UTF8), path);

    /// <summary>Writes the file atomically (a temporary file in the same directory, then a rename), creating the directory.</summary>
    public static void Save(string path, TraceDocument doc)
    {
        string text = Print(doc);
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, text, new UTF8Encoding(false));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>One call as a trace file spells it, without result: "p0: munmap(0x200000000000, 0x1000)".</summary>
    public static string Print(Call call) => CallSyntax.Print(call);

    /// <summary>The canonical text; throws ArgumentException for what the format cannot hold (a multi-line value…).</summary>
    public static string Print(TraceDocument doc)
    {
        var t = doc.Trace;
        Check(t.Id.Length > 0 && !t.Id.Any(c => char.IsWhiteSpace(c) || c == '#'), $"trace id '{t.Id}' must be non-empty, without blanks or '#'");
        Check(Mem.Aligned(t.ArenaBase) && Mem.Aligned(t.ArenaSize) && t.ArenaSize > 0 && t.ArenaBase + t.ArenaSize > t.ArenaBase,
            $"arena 0x{t.ArenaBase:x} 0x{t.ArenaSize:x} must be page-aligned, non-empty and below 2^64");
        Check(doc.Expected.Count == t.Calls.Count, $"{doc.Expected.Count} expectations for {t.Calls.Count} calls");
        var sb = new StringBuilder();
        sb.Append($"{TraceParser.Magic} {Version}\n");
        foreach (var (key, value) in doc.Header)
        {
            Check(TraceDocument.KeySyntax().IsMatch(key), $"header key '{key}' is not a word");
            Check(value == value.Trim() && !value.Contains('\n') && !value.Contains('\r'), $"header value '{value}' must be one trimmed line");
            sb.Append($"# {key}:{(value.Length > 0 ? " " + value : "")}\n");
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
                Check(v.Pid is >= 0 and < CallSyntax.MaxProcesses, $"call {i}: a view of p{v.Pid}");
                Check(!v.Gone || v.Maps.Count == 0, $"call {i}: p{v.Pid} is gone but has maps lines");
                Check(e!.Views!.Count(w => w.Pid == v.Pid) == 1, $"call {i}: two views of p{v.Pid}");
                if (v.Gone) { sb.Append($"    gone p{v.Pid}\n"); continue; }
                sb.Append($"    maps p{v.Pid}:\n");
                foreach (var line in v.Maps)
                {
                    Check(!line.Contains('\n') && !line.Contains('\r'), $"call {i}: a maps line of p{v.Pid} holds a line break");
                    sb.Append("    |").Append(line.Length > 0 ? " " + line : "").Append('\n');
                }
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
            sb.Append(c.Text).Append('\n');
        }
    }

    static void Check(bool ok, string what)
    {
        if (!ok) throw new ArgumentException($"cannot print the trace document: {what}");
    }
}
