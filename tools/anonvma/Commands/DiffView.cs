using System.Text.RegularExpressions;
using AnonVma.Judges;

namespace AnonVma.Cli;

/// <summary>
/// Line diffs cut for a person: the changed lines with a few lines of context, and the maps line that heads each
/// changed smaps block, so a diff of a long smaps text still says which mapping changed.
/// </summary>
public static partial class DiffView
{
    /// <summary>The two sides as "- left" / "+ right" lines when each is one line, else as a trimmed unified diff.</summary>
    public static IReadOnlyList<string> Of(Disagreement d)
    {
        var (left, right) = (d.Left.TrimEnd('\n'), d.Right.TrimEnd('\n'));
        if (!left.Contains('\n') && !right.Contains('\n')) return [$"- {d.LeftJudge}: {left}", $"+ {d.RightJudge}: {right}"];
        return [$"--- {d.LeftJudge}", $"+++ {d.RightJudge}", .. Trim(LineDiff.Unified(Split(left), Split(right)).ToList())];
    }

    /// <summary>Keeps changed lines ('-', '+') and `context` lines around them; "  ..." stands for what is left out.</summary>
    public static IReadOnlyList<string> Trim(IReadOnlyList<string> unified, int context = 3)
    {
        int n = unified.Count;
        var keep = new bool[n];
        for (int i = 0; i < n; i++)
            if (!unified[i].StartsWith("  "))
                for (int j = Math.Max(0, i - context); j <= Math.Min(n - 1, i + context); j++) keep[j] = true;
        // The head of the block a kept run starts in: the nearest maps line above it.
        for (int i = 0; i < n; i++)
        {
            if (!keep[i] || (i > 0 && keep[i - 1]) || IsHead(unified[i])) continue;
            for (int h = i - 1; h >= 0; h--)
                if (IsHead(unified[h])) { keep[h] = true; break; }
        }
        var lines = new List<string>();
        for (int i = 0; i < n; i++)
        {
            if (keep[i]) lines.Add(unified[i]);
            else if (i == 0 || keep[i - 1]) lines.Add("  ...");
        }
        return lines;
    }

    static bool IsHead(string diffLine) => diffLine.Length > 2 && MapsLine().IsMatch(diffLine[2..]);

    static string[] Split(string s) => s.Length == 0 ? [] : s.Split('\n');

    [GeneratedRegex(@"^[0-9a-f]+-[0-9a-f]+ ")]
    private static partial Regex MapsLine();
}
