using System.Diagnostics;
using System.Text.Json;
using AnonVma.Judges;

/// <summary>
/// `bench -- campaign [SECONDS]`: how campaign throughput scales with workers. Runs the real tool (Release build,
/// server GC) for SECONDS each with one worker and with one per core, on the model alone and on the model with this
/// machine's kernel, and prints checked calls per second from each campaign's own state.json. Shrinking is cut to
/// nothing (--shrink-budget 1ms) so that a finding does not stall a worker and skew the rate.
/// </summary>
static class CampaignBench
{
    public static void Run(string[] args)
    {
        int seconds = args.Length > 0 && int.TryParse(args[0], out var s) ? s : 30;
        int cores = Environment.ProcessorCount;
        string dll = Path.Combine(RepoPaths.Root, "tools", "anonvma", "bin", "Release", "net10.0", "anonvma.dll");
        var build = Shell.Run("dotnet", ["build", "-c", "Release", Path.Combine(RepoPaths.Root, "tools", "anonvma"), "-v", "q", "-nologo"], TimeSpan.FromMinutes(5));
        if (build.ExitCode != 0) throw new InvalidOperationException($"building the tool failed:\n{build.Stdout}{build.Stderr}");
        Console.WriteLine($"campaign scaling: {seconds} s per run, {cores} cores, judges as listed, shrinking off");
        Console.WriteLine();
        Console.WriteLine("| judges | workers | checked calls/s (model) | calls/s (native) | N workers ÷ (N × 1 worker) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var judges in new[] { "model", "model,native" })
        {
            double single = 0;
            foreach (int workers in new[] { 1, cores })
            {
                var (model, native) = Measure(dll, judges, workers, seconds);
                if (workers == 1) single = model;
                string ratio = workers == 1 ? "—" : $"{model / (workers * single):F2}";
                Console.WriteLine($"| {judges} | {workers} | {model:N0} | {(judges.Contains("native") ? native.ToString("N0") : "—")} | {ratio} |");
            }
        }
    }

    static (double Model, double Native) Measure(string dll, string judges, int workers, int seconds)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"anonvma-bench-campaign-{Guid.NewGuid():N}");
        try
        {
            var sw = Stopwatch.StartNew();
            var r = Shell.Run("dotnet", [dll, "campaign", "--out", dir, "--time", $"{seconds}s", "--workers", workers.ToString(),
                "--judges", judges, "--grace", "1ms", "--shrink-budget", "1ms"], TimeSpan.FromSeconds(seconds + 120));
            if (r.ExitCode > 1) throw new InvalidOperationException($"campaign failed (exit {r.ExitCode}):\n{r.Stdout}{r.Stderr}");
            using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "state.json")));
            double secs = state.RootElement.GetProperty("seconds").GetDouble();
            var calls = state.RootElement.GetProperty("judgeCalls");
            double Get(string j) => calls.TryGetProperty(j, out var v) ? v.GetInt64() / secs : 0;
            return (Get("model"), Get("native"));
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
