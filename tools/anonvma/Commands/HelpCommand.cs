namespace AnonVma.Cli;

/// <summary>`help [COMMAND]`: the usage text, or one command's options, for those who type help rather than --help.</summary>
public sealed class HelpCommand : ICommand
{
    public string Name => "help";
    public string Synopsis => "[COMMAND]";
    public string Summary => "list the commands, or show one command's options";
    public IReadOnlyList<string> Positionals => ["[COMMAND]"];
    public IReadOnlyList<Option> Options => [];

    public int Run(Args args, CliContext context)
    {
        if (args.Positionals.Count == 0)
        {
            context.Out.Write(Commands.UsageText());
            return ExitCode.Ok;
        }
        var command = Commands.Find(args.Positionals[0]) ?? throw new UsageException($"unknown command '{args.Positionals[0]}'");
        context.Out.Write(Commands.CommandHelp(command));
        return ExitCode.Ok;
    }
}
