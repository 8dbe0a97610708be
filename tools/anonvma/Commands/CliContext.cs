namespace AnonVma.Cli;

/// <summary>Where a command writes and what it may assume about the terminal: tests pass string writers, Main the console.</summary>
/// <param name="Terminal">Whether Out is a terminal: progress lines are rewritten in place and colour may be used.</param>
/// <param name="Cancel">Set by Ctrl-C: long commands stop early and still report.</param>
/// <param name="Colour">The colours to write with, from the terminal, --no-color and NO_COLOR.</param>
public sealed record CliContext(TextWriter Out, TextWriter Err, bool Terminal, CancellationToken Cancel, Colour Colour);
