namespace AnonVma.Judges;

/// <summary>
/// One guest's run of tools/forkbench (run.sh: forkbench.c as /init of Linux 6.12 under QEMU), read into its cases,
/// so the fork benchmark and the test of the name-copying kernel read the "F" lines one way.
/// </summary>
/// <param name="Variant">"stock" (names shared by reference) or "strdup" (tools/qemu/strdup-names.patch).</param>
/// <param name="Cases">By (pages written per VMA, named): the mean and the shortest fork time in ms, and the slab one fork added, in kB.</param>
/// <param name="Clock">The guest's "F clock …" line, e.g. "refined-jiffies tsc_mhz=2103.4".</param>
/// <param name="Failure">Why the guest did not finish (its console's last lines), or null.</param>
public sealed record ForkBenchRun(string Variant, IReadOnlyDictionary<(int Content, bool Named), ForkBenchRun.Case> Cases, string Clock, string? Failure)
{
    /// <summary>The pages written per VMA in forkbench's cases.</summary>
    public static readonly int[] Contents = [0, 1, 10];

    public sealed record Case(double MeanMs, double MinMs, double SdMs, int Forks, long SlabKb);

    public static ForkBenchRun Run(string variant, int vmas, int forks, TimeSpan timeout)
    {
        var r = Shell.Run("bash", [Path.Combine(RepoPaths.Root, "tools", "forkbench", "run.sh"), "--variant", variant, "--vmas", $"{vmas}",
            "--forks", $"{forks}", "--timeout", $"{(int)timeout.TotalSeconds}"], timeout + TimeSpan.FromMinutes(10));
        var cases = new Dictionary<(int, bool), Case>();
        string clock = "(not given)";
        foreach (var line in r.Stdout.Split('\n'))
        {
            if (line.StartsWith("F clock ")) clock = line["F clock ".Length..];
            if (!line.StartsWith("F content=")) continue;
            var kv = line.Split(' ').Skip(1).Select(x => x.Split('=', 2)).Where(x => x.Length == 2).ToDictionary(x => x[0], x => x[1]);
            cases[(int.Parse(kv["content"]), kv["named"] == "1")] = new(long.Parse(kv["mean_ns"]) / 1e6, long.Parse(kv["min_ns"]) / 1e6,
                double.Parse(kv["sd_ns"], System.Globalization.CultureInfo.InvariantCulture) / 1e6, int.Parse(kv["forks"]), long.Parse(kv["slab_kb"]));
        }
        string? failure = r.ExitCode == 0 && cases.Count == 2 * Contents.Length ? null
            : $"forkbench on the {variant} kernel did not finish (exit {r.ExitCode}): " +
              string.Join(" | ", r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4));
        return new ForkBenchRun(variant, cases, clock, failure);
    }

    /// <summary>How much more slab a fork added with named VMAs than with unnamed ones, kB.</summary>
    public long NamedSlabGrowth(int content) => Cases[(content, true)].SlabKb - Cases[(content, false)].SlabKb;
}
