using System.CommandLine;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// `record TRACE... --on JUDGE`: runs each trace file on one judge and writes what it observed into the file as
/// expectations (results, and maps after every call), so corpus files carry what a real kernel said. Files are
/// rewritten atomically; one that cannot run to its end is left untouched and reported.
/// </summary>
public sealed class RecordCommand : CliCommand
{
    readonly Argument<string[]> traces = new("TRACE") { Arity = ArgumentArity.OneOrMore, Description = "the trace files to record into" };
    readonly Option<string?> judgeName = TypedOption.Text("--on", "JUDGE", "the judge whose observations become the expectations: model, native or qemu");
    readonly Option<bool> noMaps = TypedOption.Flag("--no-maps", "record results only");

    public RecordCommand() : base("record", "run trace files on one judge and write its results and maps into them as expectations") =>
        Add(traces, judgeName, noMaps);

    public override int Run(ParseResult args, CliContext context)
    {
        var on = args.GetValue(judgeName) ?? throw new UsageException($"record: --on JUDGE is required ({string.Join(", ", JudgeNames.All)})");
        if (!JudgeNames.All.Contains(on)) throw new UsageException($"record: --on: unknown judge '{on}' ({string.Join(", ", JudgeNames.All)})");
        var docs = args.GetValue(traces)!.Select(p => (path: p, doc: TraceInput.Load(p))).ToList();
        IJudge judge = on == "model"
            ? new ModelJudge(JudgeNames.Profile(docs[0].doc.Get("profile") ?? KernelProfile.Linux612.Name, docs[0].path))
            : JudgeNames.Kernel(on);
        var runs = judge.Run(docs.Select((d, i) => d.doc.Trace with { Id = $"r{i}" }).ToList());
        int failed = 0;
        foreach (var ((path, doc), ran) in docs.Zip(runs))
        {
            var run = ran with { TraceId = doc.Trace.Id };
            if (run.End != RunEnd.Completed)
            {
                context.Err.WriteLine($"{path}: not recorded: {judge.Name} ended the run {Comparison.Ended(run)}");
                failed++;
                continue;
            }
            var recorded = Expectations.Record(doc, run, maps: !args.GetValue(noMaps)).With("recorded-on", judge.Name);
            TraceText.Save(path, recorded);
            context.Out.WriteLine($"{path}: recorded {doc.Trace.Calls.Count} calls on {judge.Name}");
        }
        return failed == 0 ? ExitCode.Ok : ExitCode.Differs;
    }
}
