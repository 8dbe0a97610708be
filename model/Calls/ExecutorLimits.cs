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
}
