using System.CommandLine;
using System.CommandLine.Help;
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
        var context = new CliContext(output, error, terminal, cancel);
        try
        {
            var commands = new Commands();
            var parsed = commands.Root.Parse(args.Length == 0 ? ["--help"] : args);
            if (parsed.Errors.Count > 0) throw new UsageException(commands.Problem(parsed));
            if (parsed.Action is HelpAction) return Help(parsed, output);
            var command = (CliCommand)parsed.CommandResult.Command;
            return command.Run(parsed, context with { Colour = Colour.For(terminal, parsed.GetValue(commands.NoColor)) });
        }
        catch (UsageException e)
        {
            error.WriteLine($"anonvma: {e.Message}");
            error.WriteLine("run 'anonvma --help' for the commands, or 'anonvma COMMAND --help' for one command's options");
            return ExitCode.Usage;
        }
        catch (Exception e) when (e is InputException or AnonVma.Campaign.CampaignFileException)
        {
            error.WriteLine($"anonvma: {e.Message}");
            return ExitCode.Usage;
        }
        catch (TraceSyntaxException e)
        {
            error.WriteLine(e.Message);
            return ExitCode.Usage;
        }
        catch (Exception e)
        {
            error.WriteLine($"anonvma: internal error, please report it with the command line: {e}");
            return ExitCode.InternalError;
        }
    }

    /// <summary>Writes the help a parse asked for (--help, -h, or the help command's re-parse) and returns 0.</summary>
    public static int Help(ParseResult parsed, TextWriter output)
    {
        parsed.Invoke(new InvocationConfiguration { Output = output, EnableDefaultExceptionHandler = false });
        return ExitCode.Ok;
    }
}
