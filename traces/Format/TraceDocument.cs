using System.Text.RegularExpressions;
using AnonVma.Model;

namespace AnonVma.Traces;

/// <summary>
/// A trace file's content: the trace, its ordered metadata (the "# key: value" header), an optional expectation per
/// call and the free comments, so a file can be read, changed and written back without losing anything.
/// Equality is by value, lists included.
/// </summary>
/// <param name="Expected">One entry per call, null where the call has no expectation.</param>
/// <param name="Comments">Free comment lines, in order of <see cref="TraceComment.Before"/>.</param>
public sealed partial record TraceDocument(
    Trace Trace,
    IReadOnlyList<KeyValuePair<string, string>> Header,
    IReadOnlyList<CallExpectation?> Expected,
    IReadOnlyList<TraceComment> Comments)
{
    /// <summary>A document for a trace: the given header, no expectations, no comments.</summary>
    public static TraceDocument Of(Trace trace, params (string key, string value)[] header) =>
        header.Aggregate(new TraceDocument(trace, [], new CallExpectation?[trace.Calls.Count], []), (doc, kv) => doc.With(kv.key, kv.value));

    /// <summary>The header value for a key, or null.</summary>
    public string? Get(string key) => Header.FirstOrDefault(kv => kv.Key == key) is { Key: not null } kv ? kv.Value : null;

    /// <summary>
    /// The document with the key set: replaced in place when present, appended otherwise. The value is trimmed, as a
    /// reader would see it; a key must be a word (letters, digits, '_', '-', '.') and a value a single line.
    /// </summary>
    public TraceDocument With(string key, string value)
    {
        if (!KeySyntax().IsMatch(key)) throw new ArgumentException($"header key '{key}' must be a letter followed by letters, digits, '_', '-' or '.'", nameof(key));
        if (value.Contains('\n') || value.Contains('\r')) throw new ArgumentException($"header value for '{key}' must be one line", nameof(value));
        var kv = new KeyValuePair<string, string>(key, value.Trim());
        var header = Header.ToList();
        int i = header.FindIndex(e => e.Key == key);
        if (i >= 0) header[i] = kv; else header.Add(kv);
        return this with { Header = header };
    }

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.-]*$")]
    internal static partial Regex KeySyntax();

    public bool Equals(TraceDocument? other) =>
        other is not null &&
        Trace.Id == other.Trace.Id && Trace.ArenaBase == other.Trace.ArenaBase && Trace.ArenaSize == other.Trace.ArenaSize &&
        Trace.Calls.SequenceEqual(other.Trace.Calls) &&
        Header.SequenceEqual(other.Header) && Expected.SequenceEqual(other.Expected) && Comments.SequenceEqual(other.Comments);

    public override int GetHashCode() => HashCode.Combine(Trace.Id, Trace.Calls.Count, Header.Count, Comments.Count);
}

/// <summary>A free comment line ("# ..."), kept with its position so printing puts it back where it was.</summary>
/// <param name="Before">The index of the call it precedes; -1 before the trace line, the call count at the end.</param>
/// <param name="Text">The line as written, starting with '#', without indentation or trailing blanks.</param>
public sealed record TraceComment(int Before, string Text);
