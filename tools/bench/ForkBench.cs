using System.Diagnostics;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;
using AnonVma.Model.Kernel;

/// <summary>
/// The naming series' fork benchmark (`bench fork [VMAS] [FORKS]`, its cover letter in seed 000): a process with
/// 65,530 anonymous VMAs, unnamed or each named with 79 characters, forks; the mean fork time for three contents (no
/// page written, one, ten per VMA). Run on two Linux 6.12 images under QEMU, the stock one (names shared by
/// reference) and one patched to copy every name at fork (tools/qemu/strdup-names.patch), beside the cover letter's
/// own figures and the model's fork time. Under emulation absolute times mean little; the regressions (named against
/// unnamed, on the same kernel, in the same guest) are what compare. Also the slab that one fork adds while its child
/// lives: the name copies. A guest that fails to finish is reported as failed, with no figures.
/// </summary>
static class ForkBench
{
    /// <summary>The cover letter's mean fork times in ms (ARM64 phone at 2.4 GHz), unnamed then named, per content.</summary>
    static readonly Dictionary<int, (double Unnamed, double Named)> SeedStrdup = new() { [0] = (16.73, 23.34), [1] = (51.98, 59.94), [10] = (66.86, 76.31) };
    static readonly Dictionary<int, (double Unnamed, double Named)> SeedRefcount = new() { [0] = (16.36, 18.35), [1] = (48.16, 51.30), [10] = (64.23, 67.69) };

    public static int Run(string[] args)
    {
        int vmas = args.Length > 0 && int.TryParse(args[0], out var v) && v > 0 ? v : 65_530;
        int forks = args.Length > 1 && int.TryParse(args[1], out var f) && f > 0 ? f : 100;
        Console.WriteLine($"AnonVma fork benchmark — {vmas:N0} VMAs, {forks} timed forks per case, Linux 6.12 under QEMU (TCG), {Environment.ProcessorCount} cores");
        var failures = new List<string>();
        var stock = Guest("stock", vmas, forks, failures);
        var strdup = Guest("strdup", vmas, forks, failures);
        Console.WriteLine();
        Console.WriteLine($"Mean fork time ± standard deviation over {forks} forks, unnamed → named (regression), ms; the cover letter's on a phone, AnonVma's under QEMU:");
        Console.WriteLine();
        Console.WriteLine("| pages written per VMA | cover letter, strdup | strdup 6.12 | cover letter, refcount | stock 6.12 (refcount) |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (int content in ForkBenchRun.Contents)
            Console.WriteLine($"| {content} | {Pair(SeedStrdup[content])} | {Spread(strdup, content)} | {Pair(SeedRefcount[content])} | {Spread(stock, content)} |");
        Console.WriteLine();
        Console.WriteLine("Shortest fork, unnamed → named (regression), ms (what the machine's other load adds least to):");
        Console.WriteLine();
        Console.WriteLine("| pages written per VMA | strdup 6.12 | stock 6.12 (refcount) |");
        Console.WriteLine("|---|---|---|");
        foreach (int content in ForkBenchRun.Contents)
            Console.WriteLine($"| {content} | {Pair(strdup, content, c => c.MinMs)} | {Pair(stock, content, c => c.MinMs)} |");
        int modelForks = Math.Min(forks, 10);
        Console.WriteLine();
        Console.WriteLine($"The model's fork per naming design on the same VMAs (mean of {modelForks}, unnamed → named, ms; the model's own cost, not a kernel's), and the name strings one named fork allocates:");
        Console.WriteLine();
        Console.WriteLine("| pages written per VMA | " + string.Join(" | ", Enum.GetValues<NamingDesign>().Select(d => d.Key())) + " |");
        Console.WriteLine("|---|" + string.Concat(Enum.GetValues<NamingDesign>().Select(_ => "---|")));
        foreach (int content in ForkBenchRun.Contents)
            Console.WriteLine($"| {content} | " + string.Join(" | ", Enum.GetValues<NamingDesign>().Select(d =>
            {
                var m = ModelFork(vmas, modelForks, content, d);
                return $"{Pair(m.Mean)}, {m.Copies:N0} copies";
            })) + " |");
        Console.WriteLine();
        Console.WriteLine("Slab (SUnreclaim) added by one fork while its child lives, named − unnamed, kB " +
                          $"(a copy of every name is {vmas:N0} × 96 B = {vmas * 96 / 1024:N0} kB):");
        Console.WriteLine();
        Console.WriteLine("| pages written per VMA | strdup 6.12 | stock 6.12 |");
        Console.WriteLine("|---|---|---|");
        foreach (int content in ForkBenchRun.Contents) Console.WriteLine($"| {content} | {Slab(strdup, content)} | {Slab(stock, content)} |");
        foreach (var fail in failures) Console.Error.WriteLine($"bench fork: {fail}");
        return failures.Count == 0 ? 0 : 1;
    }

    static string Pair((double Unnamed, double Named) t) => $"{t.Unnamed:F2} → {t.Named:F2} ({100 * (t.Named - t.Unnamed) / t.Unnamed:+0.0;-0.0}%)";

    static string Pair(ForkBenchRun? guest, int content, Func<ForkBenchRun.Case, double> of) =>
        guest is null ? "FAILED" : Pair((of(guest.Cases[(content, false)]), of(guest.Cases[(content, true)])));

    /// <summary>"181.77 ± 12.30 → 291.69 ± 15.02 (+60.5%)": both cases' means with their standard deviations.</summary>
    static string Spread(ForkBenchRun? guest, int content)
    {
        if (guest is null) return "FAILED";
        ForkBenchRun.Case u = guest.Cases[(content, false)], n = guest.Cases[(content, true)];
        return $"{u.MeanMs:F2} ± {u.SdMs:F2} → {n.MeanMs:F2} ± {n.SdMs:F2} ({100 * (n.MeanMs - u.MeanMs) / u.MeanMs:+0.0;-0.0}%)";
    }

    static string Slab(ForkBenchRun? guest, int content) => guest is null ? "FAILED" : $"{guest.NamedSlabGrowth(content):N0}";

    /// <summary>One guest's run; null, with the reason in failures, if it did not finish.</summary>
    static ForkBenchRun? Guest(string variant, int vmas, int forks, List<string> failures)
    {
        var sw = Stopwatch.StartNew();
        var run = ForkBenchRun.Run(variant, vmas, forks, TimeSpan.FromMinutes(45));
        Console.WriteLine($"{variant}: {(run.Failure is null ? "finished" : "FAILED")} in {sw.Elapsed.TotalSeconds:F0} s; clock {run.Clock}");
        if (run.Failure is null) return run;
        failures.Add(run.Failure);
        return null;
    }

    /// <summary>
    /// The model's fork under one naming design on the same VMAs, unnamed and named models built first and forked in
    /// turn, as forkbench does: the mean, ms, and the name strings one named fork allocated.
    /// </summary>
    static ((double Unnamed, double Named) Mean, long Copies) ModelFork(int vmas, int forks, int content, NamingDesign design)
    {
        const ulong B = 0x200000000000, P = 4096;
        ulong pages = (ulong)Math.Max(content, 1);
        LinuxModel Build(bool named)
        {
            var m = new LinuxModel((KernelProfile.Linux612 with { MaxMapCount = vmas + 1000 }).WithNaming(design));
            for (int i = 0; i < vmas; i++)
            {
                ulong a = B + (ulong)i * (pages + 1) * P;
                m.Apply(new MmapCall(0, a, pages * P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
                if (named) m.Apply(new NameCall(0, a, pages * P, new string('n', 79)));
                for (int k = 0; k < content; k++) m.Apply(new TouchCall(0, a + (ulong)k * P, Write: true));
            }
            m.Apply(new ExitCall((int)m.Apply(new ForkCall(0)).Value)); // warm-up
            return m;
        }
        LinuxModel[] models = [Build(false), Build(true)];
        long copies = 0;
        var sum = new double[2];
        for (int i = 0; i < forks; i++)
            for (int k = 0; k < 2; k++)
            {
                int named = (i + k) % 2;
                var sw = Stopwatch.StartNew();
                var child = models[named].Apply(new ForkCall(0));
                double ms = sw.Elapsed.TotalMilliseconds;
                if (named == 1) copies = models[1].LastCallNameAllocations;
                models[named].Apply(new ExitCall((int)child.Value));
                sum[named] += ms;
            }
        return ((sum[0] / forks, sum[1] / forks), copies);
    }
}
