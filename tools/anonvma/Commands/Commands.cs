using System.CommandLine;
using System.CommandLine.Help;

namespace AnonVma.Cli;

/// <summary>
/// The command tree for one command line: every CliCommand class in this assembly (so adding a command is adding its
/// file) under the root, with the options every command takes. Built afresh per run, as parsing symbols are shared state.
/// </summary>
public sealed class Commands
{
    /// <summary>Every command, by name.</summary>
    public IReadOnlyList<CliCommand> All { get; } = typeof(Commands).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && t.IsSubclassOf(typeof(CliCommand)))
        .Select(t => (CliCommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public Option<bool> NoColor { get; } = new("--no-color")
    {
        Description = "no ANSI colour even on a terminal (NO_COLOR in the environment does the same)",
        Recursive = true,
    };

    /// <summary>`anonvma`: its help lists the commands and the exit codes.</summary>
    public Command Root { get; } = new("anonvma",
        "replay, fuzz and print AnonVma traces (the reference model of Linux's anonymous-VMA naming against real kernels).\n" +
        "'anonvma COMMAND --help' lists a command's options.\n" +
        "exit codes: 0 the judges agree and nothing was found; 1 a difference, an unmet expectation or a finding;\n" +
        "2 a usage error or unreadable input.");

    public Commands()
    {
        Root.Options.Add(new HelpOption());
        Root.Options.Add(NoColor);
        foreach (var c in All) Root.Subcommands.Add(c);
    }

    /// <summary>The one line a command line that does not parse deserves, in the words of the old hand-written parser.</summary>
    public string Problem(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        string names = string.Join(", ", All.Select(c => c.Name));
        if (parsed.UnmatchedTokens.FirstOrDefault() is { } token)
            return (command == Root || BeforeCommand(parsed, token), token.StartsWith('-') && token != "-") switch
            {
                (true, true) => $"unknown option '{token}' before the command",
                (true, false) => $"unknown command '{token}' (commands: {names})",
                (false, true) => $"unknown option '{token}' for {command.Name}",
                (false, false) => $"unexpected argument '{token}' for {command.Name}",
            };
        if (command == Root) return $"no command given (commands: {names})";
        var error = parsed.Errors[0];
        return error.SymbolResult switch
        {
            System.CommandLine.Parsing.ArgumentResult { Tokens.Count: 0 } a => $"{command.Name} needs {a.Argument.Name}",
            System.CommandLine.Parsing.OptionResult { Tokens.Count: 0 } o => $"option {o.Option.Name} needs a value ({o.Option.HelpName})",
            _ => error.Message,
        };
    }

    static bool BeforeCommand(ParseResult parsed, string token)
    {
        var tokens = parsed.Tokens.ToList();
        int command = tokens.FindIndex(t => t.Type == System.CommandLine.Parsing.TokenType.Command);
        return command >= 0 && tokens.FindIndex(t => t.Value == token) < command;
    }
}
