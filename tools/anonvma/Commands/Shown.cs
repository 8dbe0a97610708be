namespace AnonVma.Cli;

/// <summary>How commands show paths and durations to people: short where that loses nothing.</summary>
public static class Shown
{
    /// <summary>A path relative to the working directory when it lies below it, else as it is.</summary>
    public static string Path(string path)
    {
        var relative = System.IO.Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..") || System.IO.Path.IsPathRooted(relative) ? path : relative;
    }

    /// <summary>"500ms", "90s", "5m", "1h": the way --time is written.</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0}ms" :
        t.TotalSeconds % 3600 == 0 ? $"{t.TotalHours:0}h" :
        t.TotalSeconds % 60 == 0 ? $"{t.TotalMinutes:0}m" : $"{t.TotalSeconds:0.###}s";
}
