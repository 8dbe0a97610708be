namespace AnonVma.Cli;

/// <summary>A command line the tool cannot act on (unknown command or option, a bad value): exit 2 with the message.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Input the tool cannot read or use (a missing file, a judge that cannot run here): exit 2 with the message.</summary>
public sealed class InputException(string message) : Exception(message);
