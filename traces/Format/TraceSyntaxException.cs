namespace AnonVma.Traces;

/// <summary>A trace file that does not follow the format, with where (1-based) and what was expected instead.</summary>
public sealed class TraceSyntaxException(string file, int line, int column, string what)
    : Exception($"{file}:{line}:{column}: {what}")
{
    public string File { get; } = file;
    public int Line { get; } = line;
    public int Column { get; } = column;
}
