using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// The testable entry of the anonvma tool: picks the command, parses its options and turns every expected failure
/// into a one-line message and an exit code (0 all agree, 1 a difference or finding, 2 a usage error or unreadable
/// input), so neither users nor tests ever see a stack trace for a mistake of theirs.
/// </summary>
public static class CommandLine
{
    /// <summary>Runs one command line; `terminal` says whether `output` is a terminal (progress lines and colour).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool terminal = false, CancellationToken cancel = default)
    {
        var context = new CliContext(output, error, terminal, cancel);
        try
        {
            if (args.Length == 0 || args[0] is "--help" or "-h")
            {
                output.Write(Commands.UsageText());
                return ExitCode.Ok;
            }
            var command = Commands.Find(args[0]) ?? throw new UsageException(
                args[0].StartsWith('-')
                    ? $"unknown option '{args[0]}' before the command"
                    : $"unknown command '{args[0]}' (commands: {string.Join(", ", Commands.All.Select(c => c.Name))})");
            var parsed = Args.Parse(command, args[1..]);
            if (parsed.Has("help"))
            {
                output.Write(Commands.CommandHelp(command));
                return ExitCode.Ok;
            }
            return command.Run(parsed, context with { Colour = Colour.For(terminal, parsed.Has("no-color")) });
        }
        catch (UsageException e)
        {
            error.WriteLine($"anonvma: {e.Message}");
            error.WriteLine("run 'anonvma --help' for the commands, or 'anonvma COMMAND --help' for one command's options");
            return ExitCode.Usage;
        }
        catch (InputException e)
        {
            error.WriteLine($"anonvma: {e.Message}");
            return ExitCode.Usage;
        }
        catch (AnonVma.Campaign.CampaignFileException e)
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
}
