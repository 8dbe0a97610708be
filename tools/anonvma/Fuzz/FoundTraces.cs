using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Fuzz;

/// <summary>
/// Saves a shrunk failing trace under traces/found/ as a trace file a person can read and replay: the header names
/// the seed, the profile and the failing check; comments give what was expected and what was observed, and the
/// command that replays it. The file name comes from the check and the trace's content, so the same finding lands in
/// the same file and a different one never overwrites it.
/// </summary>
public static partial class FoundTraces
{
    /// <summary>traces/found under the repository (or the working directory outside one).</summary>
    public static string DefaultDirectory =>
        Path.Combine(RepoPaths.TryRoot() ?? Directory.GetCurrentDirectory(), "traces", "found");

    /// <summary>The command that replays a saved trace on the model and the kernels.</summary>
    public static string ReplayCommand(string path) => $"dotnet run --project tools/anonvma -- replay {Relative(path)}";

    /// <summary>The document for a finding: header, the trace, expected and observed as comments.</summary>
    public static TraceDocument Document(Trace trace, Finding finding, string profile, int? seed)
    {
        var doc = TraceDocument.Of(trace with { Id = Slug(finding.Signature) },
            ("check", finding.Signature), ("oracle", finding.Oracle), ("profile", profile));
        if (seed is { } s) doc = doc.With("seed", s.ToString());
        List<TraceComment> comments = [new(finding.CallIndex, $"# call {finding.CallIndex} fails: {OneLine(finding.Message)}".TrimEnd())];
        AddBlock(comments, finding.CallIndex, finding.Labels.Expected, finding.Expected);
        AddBlock(comments, finding.CallIndex, finding.Labels.Observed, finding.Observed);
        return doc with { Comments = comments };
    }

    /// <summary>Writes the document (atomically) unless the same file exists; returns its path.</summary>
    public static string Save(TraceDocument doc, string? directory = null)
    {
        directory ??= DefaultDirectory;
        var text = TraceText.Print(doc);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(TraceText.Print(doc with { Comments = [] }))))[..10];
        var path = Path.Combine(directory, $"{doc.Trace.Id}-{hash}.trace");
        if (!File.Exists(path)) TraceText.Save(path, doc);
        return path;
    }

    static void AddBlock(List<TraceComment> comments, int before, string label, string text)
    {
        var lines = text.TrimEnd('\n').Split('\n');
        if (lines.Length == 1) { comments.Add(new(before, $"# {label}: {OneLine(lines[0])}".TrimEnd())); return; }
        comments.Add(new(before, $"# {label}:"));
        foreach (var l in lines) comments.Add(new(before, $"#   {OneLine(l)}".TrimEnd()));
    }

    static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>"invariant:NameRefcountBalance at fork" -> "invariant-NameRefcountBalance-fork": a file or directory name.</summary>
    public static string Slug(string signature) => NonWord().Replace(signature.Replace(" at ", "-"), "-").Trim('-');

    [GeneratedRegex(@"[^A-Za-z0-9_.-]+")]
    private static partial Regex NonWord();

    static string Relative(string path)
    {
        var root = RepoPaths.TryRoot();
        if (root is null) return path;
        var relative = Path.GetRelativePath(root, Path.GetFullPath(path));
        return relative.StartsWith("..") || Path.IsPathRooted(relative) ? Path.GetFullPath(path) : relative; // outside the checkout: absolute
    }
}
