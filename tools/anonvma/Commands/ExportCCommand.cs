using System.CommandLine;
using AnonVma.Judges;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// `export-c TRACE [-o FILE]`: the trace as one standalone C program (the executor's runtime plus one statement per
/// call) that builds with `cc repro.c -o repro` and prints the executor's observations, for a kernel developer who
/// has neither .NET nor this repository.
/// </summary>
public sealed class ExportCCommand : CliCommand
{
    readonly Argument<string> trace = new("TRACE") { Description = "the trace file" };
    readonly Option<string?> output = TypedOption.Text("--out", "FILE", "write the C program to FILE instead of standard output");

    public ExportCCommand() : base("export-c", "write a standalone C reproducer (cc repro.c -o repro && ./repro prints the executor's observations)") =>
        Add(trace, output);

    public override int Run(ParseResult args, CliContext context)
    {
        var path = args.GetValue(trace)!;
        var doc = TraceInput.Load(path);
        string header = string.Join('\n', [$"From {path}", .. doc.Header.Select(kv => $"{kv.Key}: {kv.Value}"), "Build and run: cc repro.c -o repro && ./repro"]);
        string c;
        try { c = CReproducer.Generate(doc.Trace, header); }
        catch (ArgumentException e) { throw new InputException($"{path}: {e.Message}"); }
        if (args.GetValue(output) is { } outPath)
        {
            var full = Path.GetFullPath(outPath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            AtomicFile.Write(full, c);
            context.Err.WriteLine($"wrote {outPath}: cc {outPath} -o repro && ./repro");
        }
        else context.Out.Write(c);
        return ExitCode.Ok;
    }
}
