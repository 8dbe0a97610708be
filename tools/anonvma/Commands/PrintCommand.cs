using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>`print TRACE`: parses a trace file and prints its canonical form, so it doubles as a syntax checker.</summary>
public sealed class PrintCommand : ICommand
{
    public string Name => "print";
    public string Synopsis => "TRACE";
    public string Summary => "parse a trace file and print it canonically (a syntax check: exit 2 with file:line:col on an error)";
    public IReadOnlyList<string> Positionals => ["TRACE"];
    public IReadOnlyList<Option> Options => [];

    public int Run(Args args, CliContext context)
    {
        context.Out.Write(TraceText.Print(TraceInput.Load(args.Positionals[0])));
        return ExitCode.Ok;
    }
}
