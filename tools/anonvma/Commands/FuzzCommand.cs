using System.CommandLine;
using System.Diagnostics;
using AnonVma.Campaign;
using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>
/// `fuzz`: a time-boxed generated campaign on one worker with the suite a user runs (every invariant on the
/// linux-6.12 model, then the model against this machine's kernel, and against QEMU 6.12 on its own lane when it can run). Prints
/// progress, then what it reached and each finding, shrunk and saved as a trace file with its replay command.
/// Exit 0 when nothing was found, 1 when something was.
/// </summary>
public sealed class FuzzCommand : CliCommand
{
    readonly Option<TimeSpan?> time = TypedOption.Duration("--time", "how long to search, e.g. 60s, 5m, 1h (default 60s); shrinking a finding may add a little; Ctrl-C stops early");
    readonly Option<int?> firstSeed = TypedOption.Int("--seed", "the first seed (default: from the clock, and printed, so a run can be repeated)", 0, int.MaxValue / 2);
    readonly Option<int?> traceLength = TypedOption.Int("--length", "calls per generated trace (default 24)", 1, 10_000);
    readonly Option<IReadOnlyList<string>?> judgeNames = TypedOption.List("--judges", "LIST", JudgeNames.All,
        "model (invariants only), model,native, model,native,qemu (the default when Linux 6.12's image is built, else model,native) or model,qemu; " +
        "add gvisor or qemu-user to check that re-implementation against Linux (model,native,gvisor)");
    readonly Option<string?> output = TypedOption.Text("--out", "DIR", "where findings are saved (default traces/found)");
    readonly Option<bool> noShrink = TypedOption.Flag("--no-shrink", "save findings as found, unshrunk (with qemu each shrinking round is a batch on a TCG guest)");
    readonly Option<Mutations?> mutate = TypedOption.Mutation();

    public FuzzCommand() : base("fuzz", "run a time-boxed generated campaign (the main job), shrink and save what it finds") =>
        Add(time, firstSeed, traceLength, judgeNames, output, noShrink, mutate);

    public override int Run(ParseResult args, CliContext context)
    {
        var budget = args.GetValue(time) ?? TimeSpan.FromSeconds(60);
        int seed = args.GetValue(firstSeed) ?? (int)(DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 1_000_000_000);
        int length = args.GetValue(traceLength) ?? 24;
        // Naming is the subject, and this machine's kernel may refuse every name: by default the kernel that has it judges too.
        string? noQemu = null;
        var judges = JudgeNames.WithModel(args.GetValue(judgeNames) ?? (QemuJudge.TryCreate(out noQemu) is null ? ["model", "native"] : ["model", "native", "qemu"]), "fuzz");
        string outDir = args.GetValue(output) ?? FoundTraces.DefaultDirectory;
        bool shrink = !args.GetValue(noShrink);
        var mutations = args.GetValue(mutate);

        // fuzz is a campaign with one worker (and the QEMU lane's) in a temporary directory: the same loop, one pass per
        // trace, no long traces.
        var config = new CampaignConfig
        {
            Judges = judges, FirstSeed = seed, LongEvery = 0, ShortLength = length,
            Mutation = mutations?.ToString(),
        };
        var options = new SessionOptions(budget, Workers: 1, Grace: TimeSpan.FromMinutes(10), SampleEvery: TimeSpan.FromSeconds(5))
        {
            QemuWorkers = 2, // about one core of guest time: one block's guest runs while the other's model runs
            Shrink = shrink, ShrinkBudget = TimeSpan.FromMinutes(10),
        };

        var o = context.Out;
        var c = context.Colour;
        string repeat = $"dotnet run -c Release --project tools/anonvma -- fuzz --seed {seed} --time {Shown.Duration(budget)} --length {length} --judges {string.Join(',', judges)}" +
                        (mutations is null ? "" : $" --mutate {mutations}");
        // Progress: one line rewritten in place on a terminal, or a plain line every five seconds in a file or a pipe.
        var sinceLine = Stopwatch.StartNew();
        int width = 0;
        void Progress(CampaignProgress p)
        {
            long calls = p.JudgeCalls.GetValueOrDefault("model");
            // The traces are the seeds done (the QEMU lane judges some of the same ones again), as in the summary.
            string line = $"traces {p.Total.Traces.GetValueOrDefault("main"):N0}  calls {calls:N0}  {calls / Math.Max(p.Elapsed.TotalSeconds, 1e-9):N0} calls/s  " +
                          $"findings {p.Findings}  {Math.Max(0, (budget - p.Elapsed).TotalSeconds):F0} s left";
            if (context.Terminal)
            {
                o.Write("\r" + line.PadRight(width));
                o.Flush();
                width = line.Length;
            }
            else if (sinceLine.Elapsed >= TimeSpan.FromSeconds(5))
            {
                o.WriteLine(line);
                sinceLine.Restart();
            }
        }
        var result = TemporaryCampaign.Run(config, options, JudgeNames.Kernel,
            started: runner =>
            {
                o.WriteLine($"fuzz: {Shown.Duration(budget)}, one worker{(judges.Contains("qemu") ? " and the QEMU lane's" : "")}, seed {seed}, {length} calls per trace");
                o.WriteLine($"oracles: {runner.Oracles}");
                if (noQemu is { Length: > 0 }) o.WriteLine(c.Yellow($"not judged by Linux 6.12, which has naming: {noQemu}"));
                o.WriteLine($"repeat with: {repeat}");
                o.WriteLine();
            },
            progress: Progress, cancel: context.Cancel);
        if (width > 0) o.WriteLine(); // ends the line rewritten in place

        o.WriteLine(context.Cancel.IsCancellationRequested ? c.Yellow($"interrupted after {result.Elapsed.TotalSeconds:F1} s") : $"done after {result.Elapsed.TotalSeconds:F1} s");
        double rate = result.Calls / Math.Max(result.Elapsed.TotalSeconds, 1e-9);
        o.WriteLine($"traces: {result.Traces:N0}   calls: {result.Calls:N0}   rate: {rate:N0} calls/s   seeds {seed} to {seed + result.Traces - 1}");
        o.WriteLine("calls judged: " + string.Join(", ", judges.Select(j => $"{j} {result.JudgeCalls.GetValueOrDefault(j):N0}")) +
                    string.Concat(result.NamesAccepted.Select(n => $"; names {n.Key} accepted: {n.Value:N0}")));
        o.WriteLine("coverage:");
        o.Write(result.Coverage.Report());
        if (result.Coverage.Missing() is { Count: > 0 } missing)
            o.WriteLine(c.Yellow($"warning: {missing.Count} coverage label(s) never reached: {string.Join(", ", missing)}"));

        if (result.Findings.Count == 0)
        {
            o.WriteLine($"findings: {c.Green("none")}");
            return ExitCode.Ok;
        }
        o.WriteLine($"findings: {c.Red(result.Findings.Count.ToString())}");
        int n = 0;
        foreach (var bug in result.Findings)
        {
            var shrunk = bug.Shrunk;
            o.WriteLine($"  {++n}. {c.Bold(shrunk.Finding.Signature)}  x{bug.Count}, seed {bug.Seed}, " +
                        $"{(shrink ? $"shrunk from {bug.Original.Calls.Count} to {shrunk.Trace.Calls.Count} calls" : $"{shrunk.Trace.Calls.Count} calls, not shrunk")}, " +
                        $"found after {bug.FoundAfter.TotalSeconds:F1} s");
            o.WriteLine($"     {shrunk.Finding.Oracle}: call {shrunk.Finding.CallIndex}: {shrunk.Finding.Message.Replace('\n', ' ')}");
            try
            {
                string path = FoundTraces.Save(FoundTraces.Document(shrunk.Trace, shrunk.Finding, bug.Profile, bug.Seed), outDir);
                o.WriteLine($"     saved: {Shown.Path(path)}");
                o.WriteLine($"     replay: {FoundTraces.ReplayCommand(path)}{(mutations is null ? "" : $" --mutate {mutations}")}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                context.Err.WriteLine($"anonvma: could not save finding {n} under {outDir}: {e.Message}");
            }
        }
        return ExitCode.Differs;
    }
}
