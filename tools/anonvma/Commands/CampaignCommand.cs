using AnonVma.Campaign;

namespace AnonVma.Cli;

/// <summary>
/// `campaign`: the nightly job. A long seeded search on every core, against the model's invariants, this machine's
/// kernel and Linux 6.12 under QEMU, kept in a directory that survives Ctrl-C and kill -9 and is continued with
/// --resume; each distinct finding is shrunk once and saved as a trace and a C reproducer; every session ends by
/// writing report.html and summary.md. Exit 0 when nothing was found, 1 when something was.
/// </summary>
public sealed class CampaignCommand : ICommand
{
    /// <summary>The options that fix what a campaign checks, refused with --resume (the directory already says).</summary>
    static readonly string[] ConfigOptions = ["seeds", "seed", "judges", "shard", "mutate", "block"];

    public string Name => "campaign";
    public string Synopsis => "[--time 10m] [--out DIR | --resume DIR] [--seeds N] [--seed N] [--workers N] [--judges model,native,qemu] [--shard i/n]";
    public string Summary => "run a long, resumable, multi-core campaign and write its HTML report (the nightly job)";
    public IReadOnlyList<string> Positionals => [];

    public IReadOnlyList<Option> Options =>
    [
        new("time", "DURATION", "how long this session takes new work, e.g. 2m, 1h (default 10m); blocks in flight may finish within --grace after it"),
        new("out", "DIR", "a new campaign directory (default campaigns/UTC-TIMESTAMP)"),
        new("resume", "DIR", "continue the campaign in DIR with the same seeds and judges; finishes shrinking what was cut short"),
        new("seeds", "N", "seeds in the whole campaign (all shards), then stop (default: as many as --time allows)"),
        new("seed", "N", "the first seed (default 1)"),
        new("workers", "N", $"workers on the model and native lane (default: one per core, here {Environment.ProcessorCount})"),
        new("judges", "LIST", "model,native,qemu (the default), model,native, model,qemu or model"),
        new("shard", "i/n", "run shard i of n (0 ≤ i < n): the seed blocks k with k mod n = i; combine shards with merge"),
        new("block", "N", "seeds per block of the model and native lane (default 64); the QEMU lane boots once per 64"),
        new("grace", "DURATION", "how long blocks in flight may finish after --time before they are abandoned (default 60s)"),
        new("shrink-budget", "DURATION", "how long one finding may be shrunk before the smallest trace so far is saved (default 3m)"),
        MutationOption.Declaration,
    ];

    public int Run(Args args, CliContext context)
    {
        var budget = args.GetDuration("time") ?? TimeSpan.FromMinutes(10);
        var grace = args.GetDuration("grace") ?? TimeSpan.FromSeconds(60);
        int workers = args.GetInt("workers", 1, 256) ?? Environment.ProcessorCount;
        var shrinkBudget = args.GetDuration("shrink-budget") ?? TimeSpan.FromMinutes(3);
        CampaignDirectory dir;
        if (args.Get("resume") is { } resume)
        {
            if (args.Has("out")) throw new UsageException("--out and --resume exclude each other: --resume continues the campaign where it is");
            if (ConfigOptions.FirstOrDefault(args.Has) is { } fixedOption)
                throw new UsageException($"--{fixedOption} cannot change on --resume: the campaign keeps the seeds and judges it was created with (see {Path.Combine(resume, "campaign.json")})");
            dir = CampaignDirectory.Open(resume);
        }
        else
        {
            var config = NewConfig(args);
            string path = args.Get("out") ?? Path.Combine("campaigns", DateTime.UtcNow.ToString("yyyyMMdd-HHmmss"));
            // Check the judges can run before anything is written.
            foreach (var k in config.Judges.Where(j => j != "model")) JudgeNames.Kernel(k);
            dir = CampaignDirectory.Create(path, config);
        }

        var runner = new CampaignRunner(dir, JudgeNames.Kernel);
        var c = runner.Config;
        var o = context.Out;
        o.WriteLine($"campaign: {dir.Path}");
        o.WriteLine($"judges {string.Join(",", c.Judges)}, seeds {c.FirstSeed}{(c.Seeds is { } n ? $"…{c.FirstSeed + n - 1}" : " onwards")}, shard {c.Shard}, " +
                    $"{workers} worker{(workers == 1 ? "" : "s")}{(c.Qemu ? " + the QEMU lane" : "")}, this session {Shown.Duration(budget)}");
        if (c.Mutation is { } m) o.WriteLine(context.Colour.Yellow($"mutation {m}: the model is deliberately wrong, so findings are expected"));
        o.WriteLine($"schedule: {c.ShortLength}-call traces, and one seed in {c.LongEvery} a {c.LongLength}-call one; blocks of {c.BlockSize} seeds ({c.QemuBlockSize} per QEMU boot)");
        o.WriteLine($"continue with: dotnet run -c Release --project tools/anonvma -- campaign --resume {Shown.Path(dir.Path)}");
        o.WriteLine();

        var display = CampaignDisplay.For(context);
        var options = new SessionOptions(budget, workers, grace, TimeSpan.FromSeconds(5)) { ShrinkBudget = shrinkBudget };
        var outcome = display.Run(progress => runner.Run(options, progress, context.Cancel));

        var report = ReportWriter.Write(dir);
        CampaignSummary.Print(o, context.Colour, dir, runner, outcome, report);
        foreach (var p in outcome.Problems) context.Err.WriteLine($"anonvma: {p}");
        if (outcome.Problems.Any(p => p.StartsWith("worker"))) return ExitCode.InternalError;
        return outcome.Final.Findings > 0 ? ExitCode.Differs : ExitCode.Ok;
    }

    static CampaignConfig NewConfig(Args args)
    {
        var judges = args.GetList("judges", JudgeNames.All) ?? ["model", "native", "qemu"];
        if (!judges.Contains("model"))
            throw new UsageException($"--judges: a campaign always checks the model, so list it too (e.g. model,{string.Join(',', judges)})");
        var (index, count) = args.Get("shard") is { } s ? ParseShard(s) : (0, 1);
        MutationOption.Parse(args); // checks the name
        return new CampaignConfig
        {
            Judges = judges.OrderBy(j => JudgeNames.All.ToList().IndexOf(j)).ToList(),
            FirstSeed = args.GetInt("seed", 0, int.MaxValue / 2) ?? 1,
            Seeds = args.GetInt("seeds", 1, int.MaxValue / 2),
            ShardIndex = index,
            ShardCount = count,
            BlockSize = args.GetInt("block", 1, 100_000) ?? 64,
            Mutation = args.Get("mutate"),
        };
    }

    /// <summary>"2/4" → (2, 4).</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out int i) && int.TryParse(parts[1], out int n) && n >= 1 && n <= 1000 && i >= 0 && i < n)
            return (i, n);
        throw new UsageException($"option --shard expects i/n with 0 ≤ i < n ≤ 1000, e.g. 0/4, found '{text}'");
    }


}
