using System.CommandLine;

namespace AnonVma.Cli;

/// <summary>`help [COMMAND]`: the command list, or one command's options, for those who type help rather than --help.</summary>
public sealed class HelpCommand : CliCommand
{
    readonly Argument<string?> command = new("COMMAND") { Arity = ArgumentArity.ZeroOrOne, Description = "the command whose options to show" };

    public HelpCommand() : base("help", "list the commands, or show one command's options") => Add(command);

    public override int Run(ParseResult args, CliContext context)
    {
        var root = args.RootCommandResult.Command;
        if (args.GetValue(command) is not { } name) return CommandLine.Help(root.Parse(["--help"]), context.Out);
        if (!root.Subcommands.Any(c => c.Name == name)) throw new UsageException($"unknown command '{name}'");
        return CommandLine.Help(root.Parse([name, "--help"]), context.Out);
    }
}
