using System.CommandLine;

namespace AnonVma.Cli;

/// <summary>
/// One subcommand of the tool: a System.CommandLine command whose arguments and typed options its subclass declares
/// once (parsing, checking and help text all come from them), and the work. A new command is one file with one
/// subclass: the registry (<see cref="Commands"/>) finds it.
/// </summary>
public abstract class CliCommand(string name, string summary)
{
    /// <summary>The declaration the parser and the help text read.</summary>
    public Command Command { get; } = new(name, summary);

    public string Name => Command.Name;
    public string Summary => Command.Description!;

    /// <summary>Does the work and returns the exit code; throws UsageException or InputException for exit 2.</summary>
    public abstract int Run(ParseResult args, CliContext context);

    protected void Add(params Argument[] arguments)
    {
        foreach (var a in arguments) Command.Arguments.Add(a);
    }

    protected void Add(params Option[] options)
    {
        foreach (var o in options) Command.Options.Add(o);
    }
}
