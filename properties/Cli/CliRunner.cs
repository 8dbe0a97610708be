using AnonVma.Judges;

namespace AnonVma.Properties.Cli;

/// <summary>Runs the anonvma tool in-process, as `dotnet run --project tools/anonvma -- ARGS` would, capturing both streams.</summary>
public static class CliRunner
{
    public sealed record Outcome(int Code, string Out, string Err);

    public static Outcome Run(params string[] args) => Run(false, args);

    /// <summary>`terminal` pretends stdout is a terminal (colour, progress in place).</summary>
    public static Outcome Run(bool terminal, params string[] args) => Run(terminal, CancellationToken.None, args);

    /// <summary>`cancel` stands for Ctrl-C.</summary>
    public static Outcome Run(bool terminal, CancellationToken cancel, params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        int code = AnonVma.Cli.CommandLine.Run(args, o, e, terminal, cancel);
        return new Outcome(code, o.ToString(), e.ToString());
    }

    /// <summary>A file under traces/examples.</summary>
    public static string Example(string name) => Path.Combine(RepoPaths.Root, "traces", "examples", name);

    /// <summary>A fresh directory under the temporary folder, removed by the caller.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"anonvma-cli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
