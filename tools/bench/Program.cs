using System.Diagnostics;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;

// The model's speed and memory, printed as a Markdown table (see tools/bench/README.md). Not a test: nothing here asserts.
const ulong B = 0x200000000000, P = 4096;
const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace;
if (args is ["kernels", .. var rest]) { KernelBench.Run(rest); return; }
if (args is ["mutants", .. var mutantArgs]) { MutantBench.Run(mutantArgs); return; }
if (args is ["campaign", .. var campaignArgs]) { CampaignBench.Run(campaignArgs); return; }
int reps = args.Length > 0 && int.TryParse(args[0], out var r) ? r : 5;

Console.WriteLine($"AnonVma model benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {reps} repetitions, median shown");
Console.WriteLine();
Console.WriteLine("| measurement | result | target |");
Console.WriteLine("|---|---|---|");

var rates = new Dictionary<int, double>();
foreach (var n in new[] { 10, 1_000, 65_000 })
{
    var samples = new List<double>();
    for (int i = -1; i < reps; i++) // i = -1 is an untimed warm-up, so tiered JIT does not count against the first size
    {
        var (m, _) = Populated(n, named: false);
        var trace = RandomTrace(n, 10_000, seed: 1234 + i);
        var sw = Stopwatch.StartNew();
        foreach (var c in trace) m.Apply(c);
        sw.Stop();
        if (i >= 0) samples.Add(trace.Count / sw.Elapsed.TotalSeconds);
    }
    rates[n] = Median(samples);
    string target = n == 10 ? "≥ 1,000,000" : $"≥ {rates[10] / 100:N0} (1/100 of the 10-VMA rate)";
    Console.WriteLine($"| model calls/s, 10,000-call random trace, {n:N0} VMAs | {rates[n]:N0} | {target} |");
}
Console.WriteLine($"| slowdown 65,000 vs 10 VMAs | {rates[10] / rates[65_000]:F1}× | < 100× (log(65000)/log(10) ≈ 4.8) |");

{
    var samples = new List<double>();
    for (int i = -1; i < reps; i++)
    {
        var (m, _) = Populated(10, named: false, checkedRun: true);
        var trace = RandomTrace(10, 10_000, seed: 1234 + i);
        var sw = Stopwatch.StartNew();
        foreach (var c in trace)
        {
            m.Apply(c);
            if (Invariants.First(m) is { } v) throw new InvalidOperationException(v.ToString());
        }
        sw.Stop();
        if (i >= 0) samples.Add(trace.Count / sw.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"| checked model calls/s (merge sites kept, every invariant after every call), 10 VMAs | {Median(samples):N0} | ≥ 200,000 |");
}

var forkSamples = new List<double>();
{
    var (m, _) = Populated(65_530, named: true);
    for (int i = 0; i < reps + 2; i++)
    {
        var sw = Stopwatch.StartNew();
        var child = m.Apply(new ForkCall(0));
        sw.Stop();
        if (i >= 2) forkSamples.Add(sw.Elapsed.TotalMilliseconds); // the first two warm up the JIT and the heap
        m.Apply(new ExitCall((int)child.Value));
    }
}
Console.WriteLine($"| fork, 65,530 VMAs with 79-character names | {Median(forkSamples):F2} ms | < 5 ms |");

// The worst case for fork: every VMA has a page and an anon_vma, so the child needs its own VMA objects
// (anon_vma_fork) and a page-table copy; copy-on-write sharing cannot help.
forkSamples.Clear();
{
    var (m, _) = Populated(65_530, named: true);
    for (int i = 0; i < 65_530; i++) m.Apply(new TouchCall(0, B + (ulong)i * 2 * P, Write: true));
    for (int i = 0; i < reps + 2; i++)
    {
        var sw = Stopwatch.StartNew();
        var child = m.Apply(new ForkCall(0));
        sw.Stop();
        if (i >= 2) forkSamples.Add(sw.Elapsed.TotalMilliseconds);
        m.Apply(new ExitCall((int)child.Value));
    }
}
Console.WriteLine($"| fork, 65,530 named VMAs, each with a written page | {Median(forkSamples):F2} ms | reported |");

foreach (var named in new[] { false, true })
{
    GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
    long before = GC.GetTotalMemory(true);
    var (m, count) = Populated(65_000, named);
    long after = GC.GetTotalMemory(true);
    GC.KeepAlive(m);
    Console.WriteLine($"| memory per VMA, 65,000 {(named ? "named (79 chars, one name each)" : "unnamed")} VMAs | {(after - before) / (double)count:F0} bytes | reported |");
}

static (LinuxModel, int) Populated(int n, bool named, bool checkedRun = false)
{
    var m = new LinuxModel(KernelProfile.Linux612 with { MaxMapCount = 70_000 }) { TracksMergeSites = checkedRun };
    for (int i = 0; i < n; i++)
    {
        ulong a = B + (ulong)i * 2 * P;
        m.Apply(new MmapCall(0, a, P, Prot.ReadWrite, F));
        if (named) m.Apply(new NameCall(0, a, P, $"{i:D8}".PadRight(79, 'n')));
    }
    return (m, n);
}

// Calls on one-page slots separated by one-page gaps, so the VMA count stays near n while every kind of change happens.
static List<Call> RandomTrace(int n, int count, int seed)
{
    var rng = new Random(seed);
    var calls = new List<Call>(count);
    int[] prots = [Prot.Read, Prot.ReadWrite, Prot.None];
    string[] names = ["heap", "stack", "jit", "gc"];
    while (calls.Count < count)
    {
        ulong a = B + (ulong)rng.Next(n) * 2 * P;
        switch (rng.Next(9))
        {
            case 0: calls.Add(new MprotectCall(0, a, P, prots[rng.Next(3)])); break;
            case 1: calls.Add(new MadviseCall(0, a, P, rng.Next(2) == 0 ? Madv.DontDump : Madv.DoDump)); break;
            case 2: calls.Add(new TouchCall(0, a, rng.Next(2) == 0)); break;
            case 3: calls.Add(new NameCall(0, a, P, rng.Next(3) == 0 ? null : names[rng.Next(4)])); break;
            case 4: calls.Add(new MlockCall(0, a, P)); break;
            case 5: calls.Add(new MunlockCall(0, a, P)); break;
            case 6: calls.Add(new MunmapCall(0, a, P)); calls.Add(new MmapCall(0, a, P, Prot.ReadWrite, F)); break;
            case 7: calls.Add(new MmapCall(0, a, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.Fixed)); break;
            default: calls.Add(new MadviseCall(0, a, P, rng.Next(2) == 0 ? Madv.DontFork : Madv.DoFork)); break;
        }
    }
    return calls;
}

static double Median(List<double> xs)
{
    xs.Sort();
    return xs[xs.Count / 2];
}
