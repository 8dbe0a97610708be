using System.CommandLine;

namespace AnonVma.Cli;

/// <summary>
/// One subcommand of the tool: a System.CommandLine command whose arguments and typed options its subclass declares
/// once (parsing, checking and help text all come from them), and the work. A new command is one file with one
/// subclass: the registry (<see cref="Commands"/>) finds it.
/// </summary>
public abstract class CliCommand(string name, string summary) : Command(name, summary)
{
    /// <summary>Does the work and returns the exit code; throws UsageException or InputException for exit 2.</summary>
    public abstract int Run(ParseResult args, CliContext context);

    /// <summary>Declares the command's arguments and options, in the order its help lists them.</summary>
    protected void Add(params Symbol[] symbols)
    {
        foreach (var s in symbols)
            if (s is Argument a) Arguments.Add(a); else Options.Add((Option)s);
    }
}
