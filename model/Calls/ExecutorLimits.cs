namespace AnonVma.Model.Calls;

/// <summary>
/// What the executor can run, said once: the trace syntax, the wire format, the generator and the executor's C header
/// (tools/executor/calls.h) read these.
/// </summary>
public static class ExecutorLimits
{
    /// <summary>Processes p0 to p7.</summary>
    public const int MaxProcesses = 8;
    /// <summary>Handles h0 to h15 (memfds and files), numbered across the trace.</summary>
    public const int MaxHandles = 16;
    /// <summary>The longest name the executor passes, in bytes (longer than the kernel's 80, to test its limit).</summary>
    public const int MaxNameBytes = 255;

    /// <summary>A name's bytes as the executor passes them (Latin-1), or an error when it takes no name that long.</summary>
    public static byte[] NameBytes(string name)
    {
        var bytes = System.Text.Encoding.Latin1.GetBytes(name);
        if (bytes.Length > MaxNameBytes)
            throw new ArgumentException($"name of {bytes.Length} bytes: the executor takes at most {MaxNameBytes}");
        return bytes;
    }

    /// <summary>A trace id is one token of a batch line and of the executor's output: non-empty, no blank, no '#'.</summary>
    public static void CheckTraceId(string id)
    {
        if (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || c == '#'))
            throw new ArgumentException($"trace id '{id}' must be non-empty, without spaces or '#'");
    }
}
