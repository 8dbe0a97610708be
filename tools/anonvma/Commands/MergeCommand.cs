using System.CommandLine;
using AnonVma.Campaign;

namespace AnonVma.Cli;

/// <summary>`merge`: combines the shard directories of one campaign (run with --shard i/n on several machines) into one directory and one report.</summary>
public sealed class MergeCommand : CliCommand
{
    readonly Argument<string[]> shards = new("SHARD_DIR") { Arity = ArgumentArity.OneOrMore, Description = "the shards' campaign directories" };
    readonly Option<string?> output = TypedOption.Text("--out", "DIR", "the merged campaign directory to create (required; new or empty)");

    public MergeCommand() : base("merge", "combine campaign shard directories into one directory and report") => Add(shards, output);

    public override int Run(ParseResult args, CliContext context)
    {
        string outDir = args.GetValue(output) ?? throw new UsageException("merge needs --out DIR for the merged campaign");
        var dirs = args.GetValue(shards)!;
        var result = CampaignMerge.Merge(dirs, outDir);
        foreach (var w in result.Warnings) context.Err.WriteLine($"anonvma: warning: {w}");
        var report = ReportWriter.Write(result.Directory);
        context.Out.WriteLine($"merged {dirs.Length} shard(s) into {Shown.Path(result.Directory.Path)}: " +
                              $"{report.State.Traces.Values.Sum():N0} traces, {report.Findings.Count} distinct finding(s)");
        context.Out.WriteLine($"report: {Shown.Path(result.Directory.ReportFile)}   summary: {Shown.Path(result.Directory.SummaryFile)}");
        return report.Findings.Count > 0 ? ExitCode.Differs : ExitCode.Ok;
    }
}
