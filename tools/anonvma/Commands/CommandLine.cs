using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// The testable entry of the anonvma tool: parses the command line (System.CommandLine), runs the command and turns
/// every expected failure into a one-line message and an exit code (0 all agree, 1 a difference or finding, 2 a usage
/// error or unreadable input), so neither users nor tests ever see a stack trace for a mistake of theirs.
/// </summary>
public static class CommandLine
{
    /// <summary>Runs one command line; `terminal` says whether `output` is a terminal (progress lines and colour).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool terminal = false, CancellationToken cancel = default)
    {
        try
        {
            var parsed = Tree().Parse(args.Length == 0 ? ["--help"] : args);
            if (parsed.Errors.Count > 0) throw new UsageException(Problem(parsed));
            if (parsed.Action is HelpAction) return Help(parsed, output);
            var colour = Colour.For(terminal, parsed.GetValue<bool>(NoColor));
            return ((CliCommand)parsed.CommandResult.Command).Run(parsed, new CliContext(output, error, terminal, cancel, colour));
        }
        catch (UsageException e)
        {
            error.WriteLine($"anonvma: {e.Message}");
            error.WriteLine("run 'anonvma --help' for the commands, or 'anonvma COMMAND --help' for one command's options");
            return ExitCode.Usage;
        }
        catch (Exception e) when (e is InputException or AnonVma.Campaign.CampaignFileException or TraceSyntaxException)
        {
            // A syntax error's message already starts with file:line:col.
            error.WriteLine(e is TraceSyntaxException ? e.Message : $"anonvma: {e.Message}");
            return ExitCode.Usage;
        }
        catch (Exception e)
        {
            error.WriteLine($"anonvma: internal error, please report it with the command line: {e}");
            return ExitCode.InternalError;
        }
    }

    const string NoColor = "--no-color";

    /// <summary>
    /// `anonvma` and every CliCommand class in this assembly under it (so adding a command is adding its file), with the
    /// options every command takes; its help lists the commands and the exit codes. Built afresh per run, as parsing
    /// symbols are shared state.
    /// </summary>
    public static Command Tree()
    {
        var root = new Command("anonvma",
            "replay, fuzz and print AnonVma traces (the reference model of Linux's anonymous-VMA naming against real kernels).\n" +
            "'anonvma COMMAND --help' lists a command's options.\n" +
            "exit codes: 0 the judges agree and nothing was found; 1 a difference, an unmet expectation or a finding;\n" +
            "2 a usage error or unreadable input.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new Option<bool>(NoColor)
        {
            Description = "no ANSI colour even on a terminal (NO_COLOR in the environment does the same)",
            Recursive = true,
        });
        foreach (var command in typeof(CommandLine).Assembly.GetTypes()
                     .Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(CliCommand)))
                     .Select(t => (CliCommand)Activator.CreateInstance(t)!)
                     .OrderBy(c => c.Name, StringComparer.Ordinal))
            root.Subcommands.Add(command);
        return root;
    }

    /// <summary>Writes the help a parse asked for (--help, -h, or the help command's re-parse) and returns 0.</summary>
    public static int Help(ParseResult parsed, TextWriter output)
    {
        parsed.Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return ExitCode.Ok;
    }

    /// <summary>The one line a command line that does not parse deserves, in the words of the old hand-written parser.</summary>
    static string Problem(ParseResult parsed)
    {
        var (root, command) = (parsed.RootCommandResult.Command, parsed.CommandResult.Command);
        string names = string.Join(", ", root.Subcommands.Select(c => c.Name));
        if (parsed.UnmatchedTokens.FirstOrDefault() is { } token)
            return (command == root || BeforeCommand(parsed, token), token.StartsWith('-') && token != "-") switch
            {
                (true, true) => $"unknown option '{token}' before the command",
                (true, false) => $"unknown command '{token}' (commands: {names})",
                (false, true) => $"unknown option '{token}' for {command.Name}",
                (false, false) => $"unexpected argument '{token}' for {command.Name}",
            };
        if (command == root) return $"no command given (commands: {names})";
        var error = parsed.Errors[0];
        return error.SymbolResult switch
        {
            ArgumentResult { Tokens.Count: 0 } a => $"{command.Name} needs {a.Argument.Name}",
            OptionResult { Tokens.Count: 0 } o => $"option {o.Option.Name} needs a value ({o.Option.HelpName})",
            _ => error.Message,
        };
    }

    static bool BeforeCommand(ParseResult parsed, string token)
    {
        var tokens = parsed.Tokens.ToList();
        int command = tokens.FindIndex(t => t.Type == TokenType.Command);
        return command >= 0 && tokens.FindIndex(t => t.Value == token) < command;
    }
}
