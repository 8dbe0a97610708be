namespace AnonVma.Cli;

/// <summary>The tool's exit codes, one meaning each, so scripts and CI can tell a difference from a mistake.</summary>
public static class ExitCode
{
    /// <summary>The judges agree, expectations and invariants hold, nothing was found.</summary>
    public const int Ok = 0;
    /// <summary>A difference between judges, an unmet expectation, a broken invariant or a fuzz finding.</summary>
    public const int Differs = 1;
    /// <summary>A usage error or unreadable input (a missing or malformed trace file, a judge that cannot run here).</summary>
    public const int Usage = 2;
    /// <summary>A bug in the tool itself: the message and stack trace go to stderr.</summary>
    public const int InternalError = 3;
}
