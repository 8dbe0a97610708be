namespace AnonVma.Cli;

/// <summary>
/// ANSI colours for a terminal only, so piped output, files and tests stay plain text: off with --no-color, off when
/// NO_COLOR is set to anything (no-color.org), off when the output is not a terminal.
/// </summary>
public sealed class Colour(bool enabled)
{
    public bool Enabled { get; } = enabled;

    /// <summary>The colours for a command: its --no-color flag, the environment's NO_COLOR and whether Out is a terminal.</summary>
    public static Colour For(bool terminal, bool noColorFlag) =>
        new(Decide(terminal, noColorFlag, Environment.GetEnvironmentVariable("NO_COLOR")));

    public static bool Decide(bool terminal, bool noColorFlag, string? noColorEnv) =>
        terminal && !noColorFlag && string.IsNullOrEmpty(noColorEnv);

    public string Red(string s) => Paint("31", s);
    public string Green(string s) => Paint("32", s);
    public string Yellow(string s) => Paint("33", s);
    public string Bold(string s) => Paint("1", s);

    /// <summary>A diff line by its prefix: '-' red, '+' green, the rest as it is.</summary>
    public string DiffLine(string line) =>
        line.StartsWith("---") || line.StartsWith("+++") ? Bold(line) :
        line.StartsWith('-') ? Red(line) :
        line.StartsWith('+') ? Green(line) : line;

    string Paint(string code, string s) => Enabled && s.Length > 0 ? $"\u001b[{code}m{s}\u001b[0m" : s;
}
