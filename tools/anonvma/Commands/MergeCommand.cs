using AnonVma.Campaign;

namespace AnonVma.Cli;

/// <summary>`merge`: combines the shard directories of one campaign (run with --shard i/n on several machines) into one directory and one report.</summary>
public sealed class MergeCommand : ICommand
{
    public string Name => "merge";
    public string Synopsis => "SHARD_DIR... --out DIR";
    public string Summary => "combine campaign shard directories into one directory and report";
    public IReadOnlyList<string> Positionals => ["SHARD_DIR", "[SHARD_DIR...]"];

    public IReadOnlyList<Option> Options =>
    [
        new("out", "DIR", "the merged campaign directory to create (required; new or empty)"),
    ];

    public int Run(Args args, CliContext context)
    {
        string outDir = args.Get("out") ?? throw new UsageException("merge needs --out DIR for the merged campaign");
        var result = CampaignMerge.Merge(args.Positionals, outDir);
        foreach (var w in result.Warnings) context.Err.WriteLine($"anonvma: warning: {w}");
        var state = result.Directory.ReadState();
        string report = ReportWriter.Write(result.Directory);
        var store = new FindingStore(result.Directory.FindingsDir);
        context.Out.WriteLine($"merged {args.Positionals.Count} shard(s) into {Shown.Path(result.Directory.Path)}: " +
                              $"{state.Traces.Values.Sum():N0} traces, {store.Count} distinct finding(s)");
        context.Out.WriteLine($"report: {Shown.Path(report)}   summary: {Shown.Path(result.Directory.SummaryFile)}");
        return store.Count > 0 ? ExitCode.Differs : ExitCode.Ok;
    }
}
