using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>Reads the trace file a command names, turning "no such file" and I/O failures into one-line errors (exit 2).</summary>
public static class TraceInput
{
    /// <summary>The parsed document; a malformed file throws TraceSyntaxException (file:line:col: ...).</summary>
    public static TraceDocument Load(string path)
    {
        if (Directory.Exists(path)) throw new InputException($"{path}: is a directory, not a trace file");
        if (!File.Exists(path)) throw new InputException($"{path}: no such file");
        try
        {
            return TraceText.Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException($"{path}: {e.Message}");
        }
    }
}
