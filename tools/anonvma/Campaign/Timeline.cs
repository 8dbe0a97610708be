using System.Text;

namespace AnonVma.Campaign;

/// <summary>
/// timeline.jsonl: one sample a line, appended with a single write, so a kill leaves at worst a torn last line,
/// which reading skips. A bad line anywhere else is an error naming the file and line.
/// </summary>
public static class Timeline
{
    public static void Append(string path, TimelineSample sample)
    {
        var bytes = Encoding.UTF8.GetBytes(Json.Write(sample, indented: false) + "\n");
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        fs.Write(bytes);
    }

    public static List<TimelineSample> Read(string path)
    {
        if (!File.Exists(path)) return [];
        // The text after the last newline is a line whose write did not finish (or nothing at all).
        return File.ReadAllText(path).Split('\n').SkipLast(1).Select((line, i) => (line, i)).Where(x => x.line.Length > 0)
            .Select(x => Json.Parse<TimelineSample>(x.line, path, x.i)).ToList();
    }
}
