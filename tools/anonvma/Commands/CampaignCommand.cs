using System.CommandLine;
using AnonVma.Campaign;
using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>
/// `campaign`: the nightly job. A long seeded search on every core, against the model's invariants, this machine's
/// kernel and Linux 6.12 under QEMU, kept in a directory that survives Ctrl-C and kill -9 and is continued with
/// --resume; each distinct finding is shrunk once and saved as a trace and a C reproducer; every session ends by
/// writing report.html and summary.md. Exit 0 when nothing was found, 1 when something was.
/// </summary>
public sealed class CampaignCommand : CliCommand
{
    readonly Option<TimeSpan?> time = TypedOption.Duration("--time", "how long this session takes new work, e.g. 2m, 1h (default 10m); blocks in flight may finish within --grace after it");
    readonly Option<string?> output = TypedOption.Text("--out", "DIR", "a new campaign directory (default campaigns/UTC-TIMESTAMP)");
    readonly Option<string?> resumeDir = TypedOption.Text("--resume", "DIR", "continue the campaign in DIR with the same seeds and judges; finishes shrinking what was cut short");
    readonly Option<int?> seeds = TypedOption.Int("--seeds", "seeds in the whole campaign (all shards), then stop (default: as many as --time allows)", 1, int.MaxValue / 2);
    readonly Option<int?> firstSeed = TypedOption.Int("--seed", "the first seed (default 1)", 0, int.MaxValue / 2);
    readonly Option<int?> workerCount = TypedOption.Int("--workers",
        $"workers on the model and native lane (default: one per core, here {Environment.ProcessorCount}, or half the cores when the QEMU lane runs)", 1, 256);
    readonly Option<int?> qemuWorkerCount = TypedOption.Int("--qemu-workers",
        "threads on the QEMU lane, each with its guest (default: two per core the main lane leaves, at least 2)", 1, SessionOptions.MaxQemuWorkers);
    readonly Option<IReadOnlyList<string>?> judgeNames = TypedOption.List("--judges", "LIST", JudgeNames.All, "model,native,qemu (the default), model,native, model,qemu or model; add gvisor or qemu-user to judge that re-implementation against Linux (model,native,gvisor)");
    readonly Option<(int Index, int Count)?> shard = TypedOption.Parsed<(int, int)?>("--shard", "i/n",
        "run shard i of n (0 ≤ i < n): the seed blocks k with k mod n = i; combine shards with merge", s => ParseShard(s));
    readonly Option<int?> block = TypedOption.Int("--block", "seeds per block of the model and native lane (default 64); the QEMU lane sends 64 a batch", 1, 100_000);
    readonly Option<TimeSpan?> graceTime = TypedOption.Duration("--grace", "how long blocks in flight may finish after --time before they are abandoned (default 60s)");
    readonly Option<TimeSpan?> shrinkTime = TypedOption.Duration("--shrink-budget", "how long one finding may be shrunk before the smallest trace so far is saved (default 3m)");
    readonly Option<Mutations?> mutate = TypedOption.Mutation();

    public CampaignCommand() : base("campaign", "run a long, resumable, multi-core campaign and write its HTML report (the nightly job)") =>
        Add(time, output, resumeDir, seeds, firstSeed, workerCount, qemuWorkerCount, judgeNames, shard, block, graceTime, shrinkTime, mutate);

    /// <summary>The options that fix what a campaign checks, refused with --resume (the directory already says).</summary>
    Option[] ConfigOptions => [seeds, firstSeed, judgeNames, shard, mutate, block];

    public override int Run(ParseResult args, CliContext context)
    {
        var budget = args.GetValue(time) ?? TimeSpan.FromMinutes(10);
        var grace = args.GetValue(graceTime) ?? TimeSpan.FromSeconds(60);
        var shrinkBudget = args.GetValue(shrinkTime) ?? TimeSpan.FromMinutes(3);
        CampaignDirectory dir;
        if (args.GetValue(resumeDir) is { } resume)
        {
            if (args.Given(output)) throw new UsageException("--out and --resume exclude each other: --resume continues the campaign where it is");
            if (ConfigOptions.FirstOrDefault(args.Given) is { } fixedOption)
                throw new UsageException($"{fixedOption.Name} cannot change on --resume: the campaign keeps the seeds and judges it was created with (see {Path.Combine(resume, "campaign.json")})");
            dir = CampaignDirectory.Open(resume);
        }
        else
        {
            var (index, count) = args.GetValue(shard) ?? (0, 1);
            var config = new CampaignConfig
            {
                Judges = JudgeNames.WithModel(args.GetValue(judgeNames) ?? ["model", "native", "qemu"], "a campaign"),
                FirstSeed = args.GetValue(firstSeed) ?? 1,
                Seeds = args.GetValue(seeds),
                ShardIndex = index,
                ShardCount = count,
                BlockSize = args.GetValue(block) ?? 64,
                Mutation = args.GetValue(mutate)?.ToString(),
            };
            string path = args.GetValue(output) ?? Path.Combine("campaigns", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));
            // Check the judges can run before anything is written.
            foreach (var k in config.Judges.Where(j => j != "model")) JudgeNames.Kernel(k);
            dir = CampaignDirectory.Create(path, config);
        }

        var runner = new CampaignRunner(dir, JudgeNames.Kernel);
        var c = runner.Config;
        // Naming is judged only on the QEMU lane (this machine's kernel may refuse every name), so with it the cores are
        // shared between the lanes rather than all given to the main one.
        int cores = Environment.ProcessorCount;
        int workers = args.GetValue(workerCount) ?? (c.Qemu ? Math.Max(1, cores / 2) : cores);
        int qemuWorkers = args.GetValue(qemuWorkerCount) ?? SessionOptions.QemuWorkersFor(cores, workers);
        var o = context.Out;
        o.WriteLine($"campaign: {dir.Path}");
        o.WriteLine($"judges {string.Join(",", c.Judges)}, seeds {c.FirstSeed}{(c.Seeds is { } n ? $"…{c.FirstSeed + n - 1}" : " onwards")}, shard {c.Shard}, " +
                    $"{workers} worker{(workers == 1 ? "" : "s")}{(c.Qemu ? $" + {qemuWorkers} on the QEMU lane" : "")}, this session {Shown.Duration(budget)}");
        if (c.Mutation is { } m) o.WriteLine(context.Colour.Yellow($"mutation {m}: the model is deliberately wrong, so findings are expected"));
        o.WriteLine($"schedule: {c.ShortLength}-call traces, and one seed in {c.LongEvery} a {c.LongLength}-call one; blocks of {c.BlockSize} seeds ({c.QemuBlockSize} per QEMU batch)");
        o.WriteLine($"continue with: dotnet run -c Release --project tools/anonvma -- campaign --resume {Shown.Path(dir.Path)}");
        o.WriteLine();

        var options = new SessionOptions(budget, workers, grace, TimeSpan.FromSeconds(5)) { ShrinkBudget = shrinkBudget, QemuWorkers = qemuWorkers };
        var outcome = CampaignDisplay.Run(context, progress => runner.Run(options, progress, context.Cancel));

        CampaignDisplay.Summary(o, context.Colour, dir, outcome, ReportWriter.Write(dir));
        foreach (var p in outcome.Problems) context.Err.WriteLine($"anonvma: {p}");
        if (outcome.Problems.Any(p => p.StartsWith("worker"))) return ExitCode.InternalError;
        return outcome.Final.Findings > 0 ? ExitCode.Differs : ExitCode.Ok;
    }

    /// <summary>"2/4" → (2, 4).</summary>
    static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && n <= 1000 && i >= 0 && i < n)
            return (i, n);
        throw new UsageException($"option --shard expects i/n with 0 ≤ i < n ≤ 1000, e.g. 0/4, found '{text}'");
    }
}
