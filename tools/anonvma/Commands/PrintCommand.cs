using System.CommandLine;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>`print TRACE`: parses a trace file and prints its canonical form, so it doubles as a syntax checker.</summary>
public sealed class PrintCommand : CliCommand
{
    readonly Argument<string> trace = new("TRACE") { Description = "the trace file" };

    public PrintCommand() : base("print", "parse a trace file and print it canonically (a syntax check: exit 2 with file:line:col on an error)") => Add(trace);

    public override int Run(ParseResult args, CliContext context)
    {
        context.Out.Write(TraceText.Print(TraceInput.Load(args.GetValue(trace)!)));
        return ExitCode.Ok;
    }
}
