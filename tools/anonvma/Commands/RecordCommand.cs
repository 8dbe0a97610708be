using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// `record TRACE... --on JUDGE`: runs each trace file on one judge and writes what it observed into the file as
/// expectations (results, and maps after every call), so corpus files carry what a real kernel said. Files are
/// rewritten atomically; one that cannot run to its end is left untouched and reported.
/// </summary>
public sealed class RecordCommand : ICommand
{
    public string Name => "record";
    public string Synopsis => "TRACE... --on model|native|qemu [--no-maps]";
    public string Summary => "run trace files on one judge and write its results and maps into them as expectations";
    public IReadOnlyList<string> Positionals => ["TRACE", "[TRACE...]"];
    public IReadOnlyList<Option> Options =>
    [
        new("on", "JUDGE", "the judge whose observations become the expectations: model, native or qemu"),
        new("no-maps", null, "record results only"),
    ];

    public int Run(Args args, CliContext context)
    {
        var on = args.Get("on") ?? throw new UsageException("record: --on JUDGE is required (model, native or qemu)");
        if (!JudgeNames.All.Contains(on)) throw new UsageException($"record: --on: unknown judge '{on}' (model, native or qemu)");
        var docs = args.Positionals.Select(p => (path: p, doc: TraceInput.Load(p))).ToList();
        IJudge judge = on == "model"
            ? new ModelJudge(JudgeNames.Profile(docs[0].doc.Get("profile") ?? KernelProfile.Linux612.Name, docs[0].path))
            : JudgeNames.Kernel(on);
        var runs = judge.Run(docs.Select((d, i) => d.doc.Trace with { Id = $"r{i}" }).ToList());
        int failed = 0;
        for (int i = 0; i < docs.Count; i++)
        {
            var (path, doc) = docs[i];
            var run = runs[i] with { TraceId = doc.Trace.Id };
            if (run.End != RunEnd.Completed)
            {
                context.Err.WriteLine($"{path}: not recorded: {judge.Name} ended the run {run.End} after {run.Steps.Count} calls{(run.Detail is null ? "" : ": " + run.Detail)}");
                failed++;
                continue;
            }
            var recorded = Expectations.Record(doc, run, maps: !args.Has("no-maps")).With("recorded-on", judge.Name);
            TraceText.Save(path, recorded);
            context.Out.WriteLine($"{path}: recorded {doc.Trace.Calls.Count} calls on {judge.Name}");
        }
        return failed == 0 ? ExitCode.Ok : ExitCode.Differs;
    }
}
