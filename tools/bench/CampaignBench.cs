using AnonVma.Campaign;
using AnonVma.Judges;

/// <summary>
/// `bench -- campaign [SECONDS] [REPEATS] [JUDGES]`: how campaign throughput scales with workers. Runs the real tool
/// (Release build, server GC) for SECONDS each with one worker and with one per core, alternating, REPEATS times, on
/// the model alone and on the model with this machine's kernel (or on JUDGES alone). The rate is the steady one a
/// nightly run sees: checked calls per second from the campaign's own timeline, after the first <see cref="Warmup"/>
/// (in which the JIT still takes 4% of a core). It prints the median, every run's rate, and how busy the machine was (/proc/stat), since a rate on a
/// shared VM varies by ±15% from run to run. Shrinking is cut to nothing (--shrink-budget 1ms) so that a finding
/// does not stall a worker and skew the rate. A run with any finding is refused, not measured: a kernel run that did
/// not complete is a finding, and the model's rate over it would count calls no kernel answered.
/// </summary>
static class CampaignBench
{
    public static int Run(string[] args)
    {
        int seconds = args.Length > 0 && int.TryParse(args[0], out var s) ? s : 40;
        if (seconds <= Warmup.TotalSeconds + 5) throw new ArgumentException($"runs must be longer than the {Warmup.TotalSeconds} s warmup plus 5 s");
        int repeats = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 3;
        int cores = Environment.ProcessorCount;
        string dll = Path.Combine(RepoPaths.Root, "tools", "anonvma", "bin", "Release", "net10.0", "anonvma.dll");
        var build = Shell.Run("dotnet", ["build", "-c", "Release", Path.Combine(RepoPaths.Root, "tools", "anonvma"), "-v", "q", "-nologo"], TimeSpan.FromMinutes(5));
        if (build.ExitCode != 0) throw new InvalidOperationException($"building the tool failed:\n{build.Stdout}{build.Stderr}");
        Console.WriteLine($"campaign scaling: {seconds} s per run (rates after the first {Warmup.TotalSeconds} s), {repeats} runs each, alternating, {cores} cores, shrinking off");
        Console.WriteLine();
        Console.WriteLine("| judges | workers | checked calls/s, median | every run (calls/s, machine busy) | N workers ÷ (N × 1 worker), medians |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var judges in args.Length > 2 ? [args[2]] : new[] { "model", "model,native" })
        {
            var runs = new Dictionary<int, List<(double Rate, double Busy)>> { [1] = [], [cores] = [] };
            for (int i = 0; i < repeats; i++)
                foreach (int workers in runs.Keys)
                    runs[workers].Add(Measure(dll, judges, workers, seconds));
            double single = Median(runs[1].Select(x => x.Rate));
            foreach (var (workers, list) in runs)
            {
                double median = Median(list.Select(x => x.Rate));
                string every = string.Join(", ", list.Select(x => $"{x.Rate:N0} ({x.Busy:P0})"));
                string ratio = workers == 1 ? "—" : $"{median / (workers * single):F2}";
                Console.WriteLine($"| {judges} | {workers} | {median:N0} | {every} | {ratio} |");
            }
        }
        return 0;
    }

    static readonly TimeSpan Warmup = TimeSpan.FromSeconds(10);

    static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    /// <summary>Checked calls per second (the model's count: every trace is checked by it) and the machine's busy share.</summary>
    static (double Rate, double Busy) Measure(string dll, string judges, int workers, int seconds)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"anonvma-bench-campaign-{Guid.NewGuid():N}");
        try
        {
            var before = CpuTicks();
            var r = Shell.Run("dotnet", [dll, "campaign", "--out", dir, "--time", $"{seconds}s", "--workers", workers.ToString(),
                "--judges", judges, "--grace", "1ms", "--shrink-budget", "1ms"], TimeSpan.FromSeconds(seconds + 120));
            var after = CpuTicks();
            if (r.ExitCode != 0)
                throw new InvalidOperationException($"campaign --judges {judges} --workers {workers} exited {r.ExitCode}" +
                    (r.ExitCode == 1 ? " (findings, which include kernel runs that did not complete): no rate is reported for it" : "") +
                    $"\n{r.Stdout}{r.Stderr}");
            var samples = Timeline.Read(CampaignDirectory.Open(dir).TimelineFile);
            var from = samples.First(x => x.Seconds >= Warmup.TotalSeconds);
            var to = samples[^1];
            double busy = 1 - (double)(after.Idle - before.Idle) / (after.Total - before.Total);
            return ((to.JudgeCalls.GetValueOrDefault("model") - from.JudgeCalls.GetValueOrDefault("model")) / (to.Seconds - from.Seconds), busy);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The machine's idle (idle + iowait) and total jiffies, from the first line of /proc/stat.</summary>
    static (long Idle, long Total) CpuTicks()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (f[3] + f[4], f.Sum());
    }
}
