using System.Text;
using System.Text.RegularExpressions;
using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Calls;
using AnonVma.Model.Abi;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// C reproducers (tools/anonvma/Judges/CReproducer.cs): each one is compiled alone with plain `cc` in an empty folder, run on
/// this machine's kernel, and its output must parse as executor output and agree with the executor (NativeJudge) and
/// with the model on the native profile, call by call. Without a C compiler the tests skip; with
/// ANONVMA_REQUIRE_KERNELS=1 they fail instead.
/// </summary>
public class CReproducerTests(ITestOutputHelper log)
{
    /// <summary>Generated traces that get a reproducer; compiling takes ~0.3 s each, so only a sample is compiled.</summary>
    public const int GeneratedTraces = 200, GeneratedCompiled = 30;

    const ulong B = Trace.DefaultArenaBase, P = Mem.PageSize;
    const int RW = Prot.Read | Prot.Write, Anon = Map.Private | Map.Anonymous | Map.FixedNoReplace;

    [SkippableFact]
    public void Scenario_corpus_reproducers_print_what_the_executor_prints()
    {
        var traces = ScenarioCorpus.For(KernelProfile.Host618).Select(e => e.Trace).ToList();
        Assert.NotEmpty(traces);
        CompileRunCompare(traces);
    }

    [SkippableFact]
    public void Generated_trace_reproducers_print_what_the_executor_prints()
    {
        var traces = NativeKernelTests.Generated(GeneratedTraces);
        foreach (var t in traces)
        {
            var c = CReproducer.Generate(t);
            Assert.Equal(t.Calls.Count, Regex.Matches(c, @"(?m)^\t/\* *\d+ \*/ CALL\(\d, .*\);").Count);
        }
        CompileRunCompare(Sample(traces, GeneratedCompiled));
    }

    [SkippableFact]
    public void Every_call_kind_compiles_standalone_without_warnings_and_agrees()
    {
        var cc = Compiler();
        var trace = EveryCall();
        // Every call WireFormat spells has a C spelling.
        var kinds = typeof(Call).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Call)) && !t.IsAbstract).ToList();
        Assert.Equal(kinds.Select(k => k.Name).Order(), trace.Calls.Select(c => c.GetType().Name).Distinct().Order());

        var dir = Directory.CreateTempSubdirectory("anonvma-repro-");
        try
        {
            string src = Path.Combine(dir.FullName, "repro.c");
            File.WriteAllText(src, CReproducer.Generate(trace, "every kind of call\nand names the kernel must see byte for byte"));
            var strict = Shell.Run(cc, ["-Wall", "-Wextra", "-O2", "-o", Path.Combine(dir.FullName, "strict"), src], TimeSpan.FromMinutes(2));
            Assert.True(strict.ExitCode == 0 && strict.Stdout + strict.Stderr == "", $"cc -Wall -Wextra:\n{strict.Stdout}{strict.Stderr}");
            var static_ = Shell.Run(cc, ["-static", "-o", Path.Combine(dir.FullName, "static"), src], TimeSpan.FromMinutes(2));
            Assert.True(static_.ExitCode == 0, $"cc -static:\n{static_.Stderr}");
        }
        finally { dir.Delete(recursive: true); }
        CompileRunCompare([trace]);
    }

    [SkippableFact]
    public void Name_literals_hold_exactly_the_name_bytes()
    {
        var cc = Compiler();
        var names = OddNames().Append("a\0b").Append(new string(Enumerable.Range(0, 256).Select(i => (char)i).ToArray())).ToList();
        var c = new StringBuilder("""
            #include <stdio.h>
            static void show(const char *s, size_t n)
            {
            	for (size_t i = 0; i < n; i++)
            		printf("%02x", (unsigned char)s[i]);
            	printf("\n");
            }
            #define SHOW(lit) show(lit, sizeof(lit) - 1)
            int main(void)
            {

            """);
        foreach (var n in names) c.Append("\tSHOW(").Append(CReproducer.StringLiteral(Encoding.Latin1.GetBytes(n))).Append(");\n");
        c.Append("\treturn 0;\n}\n");
        var dir = Directory.CreateTempSubdirectory("anonvma-literals-");
        try
        {
            string src = Path.Combine(dir.FullName, "literals.c"), exe = Path.Combine(dir.FullName, "literals");
            File.WriteAllText(src, c.ToString());
            // ISO mode turns trigraphs on: "??=" must still come out as written.
            var build = Shell.Run(cc, ["-std=c11", "-Wall", "-Wextra", "-o", exe, src], TimeSpan.FromMinutes(2));
            Assert.True(build.ExitCode == 0 && build.Stderr == "", build.Stderr);
            var run = Shell.Run(exe, [], TimeSpan.FromSeconds(30));
            var lines = run.Stdout.TrimEnd('\n').Split('\n');
            Assert.Equal(names.Select(n => Convert.ToHexStringLower(Encoding.Latin1.GetBytes(n))), lines);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void A_reproducer_reads_like_the_trace()
    {
        var trace = new Trace("fork-and-name", B, 16 * P,
        [
            new MmapCall(0, B, 2 * P, RW, Anon),
            new ForkCall(0),
            new NameCall(1, B + P, P, "heap"),
            new TouchCall(1, B + P, Write: true),
            new ExitCall(1),
        ]);
        var c = CReproducer.Generate(trace, "seed 7, profile host-6.18");
        Assert.StartsWith("/*\n * AnonVma reproducer for trace fork-and-name: 5 calls by up to 2 processes", c);
        Assert.Contains(" * seed 7, profile host-6.18\n", c);
        Assert.Contains(CReproducer.Runtime, c);
        Assert.EndsWith("""
            int main(void)
            {
            	BEGIN("fork-and-name", 0x200000000000, 0x10000);
            	/* 0 */ CALL(0, sys_mmap(0x200000000000, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0));
            	/* 1 */ CALL(0, fork_process()); /* -> p1 */
            	/* 2 */ CALL(1, sys_prctl5(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, "heap"));
            	/* 3 */ CALL(1, write_byte(0x200000001000));
            	/* 4 */ CALL(1, exit_process());
            	return END();
            }

            """, c);
        Assert.Equal("MAP_SHARED_VALIDATE | MAP_FIXED | MAP_SYNC | 0x40", FlagFamily.MapFlags.PrintC(Map.SharedValidate | Map.Fixed | Map.Sync | 0x40));
        Assert.Equal("PROT_NONE", FlagFamily.Prot.PrintC(Prot.None));
        Assert.Equal("PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM | PROT_GROWSDOWN | PROT_GROWSUP | 0xfcfffff0", FlagFamily.Prot.PrintC(uint.MaxValue));
        Assert.Equal("MADV_WIPEONFORK", FlagFamily.Advice.PrintC(Madv.WipeOnFork));
        Assert.Equal("12345", FlagFamily.Advice.PrintC(12345));
        Assert.Equal("\"a\\\"b\\\\c?\\?=\\001\\n\\377\"", CReproducer.StringLiteral(Encoding.Latin1.GetBytes("a\"b\\c??=\u0001\n\u00ff")));
        Assert.Throws<ArgumentException>(() => CReproducer.Generate(trace with { Calls = [new NameCall(0, B, P, new string('n', 256))] }));
    }

    /// <summary>Names the kernel rejects or takes for one odd byte: each must reach it exactly as the executor sends it.</summary>
    static IEnumerable<string> OddNames() =>
    [
        "[", "$", "a]b", "\u0001\u001f\t\n\r\u007f", "\u0080\u00ff", "a\"b\\c", "??=", "???/", "",
        new string('n', Prctl.AnonNameMax - 1), new string('n', Prctl.AnonNameMax), new string('n', 255),
    ];

    /// <summary>One trace with every kind of call, names of every sort, both handle kinds, two processes and an escape.</summary>
    static Trace EveryCall()
    {
        var calls = new List<Call> { new MmapCall(0, B, 2 * P, RW, Anon) };
        calls.AddRange(OddNames().Select(n => new NameCall(0, B, P, n)));
        calls.AddRange(
        [
            new NameCall(0, B, P, null),
            new NameCall(0, B, P, "ignored", BadPointer: true),
            new NameCall(0, B, P, "x", Option: 1),
            new TouchCall(0, B, Write: true),
            new StoreCall(0, B + 1, (byte)'n'),
            new NameCall(0, B + P, P, null, From: B + 1),
            new TouchCall(0, B + P, Write: false),
            new TouchCall(0, B + 2 * P, Write: false),
            new MprotectCall(0, B + P, P, Prot.Read),
            new MprotectCall(0, B, P, Prot.Read | 0x10),
            new MlockCall(0, B, P),
            new Mlock2Call(0, B + P, P, Mlock.OnFault),
            new MunlockCall(0, B, 2 * P),
            new MadviseCall(0, B, P, Madv.DontFork),
            new MadviseCall(0, B, P, Madv.DoFork),
            new MadviseCall(0, B + P, P, Madv.DontDump),
            new MadviseCall(0, B, P, 12345),
            new MemfdCall(0, 4 * P),
            new MmapCall(0, B + 4 * P, 2 * P, RW, Map.Shared | Map.FixedNoReplace, Handle: 0, Offset: P),
            new FileCall(0, 2 * P),
            new MmapCall(0, B + 8 * P, P, Prot.Read, Map.Private | Map.Fixed, Handle: 1),
            new ForkCall(0),
            new TouchCall(1, B + 4 * P, Write: true),
            new MunmapCall(1, B + 8 * P, P),
            new MlockallCall(0, Mlock.McFuture),
            new MmapCall(0, B + 10 * P, P, RW, Anon),
            new MunlockallCall(0),
            new MremapCall(0, B + 10 * P, P, 2 * P, 0, 0),                                   // grows in place
            new MremapCall(0, B + 10 * P, 2 * P, 2 * P, Remap.MayMove | Remap.Fixed, B + 13 * P),  // moves in the arena
            new MremapCall(0, B, P, P, Remap.MayMove | Remap.DontUnmap, 0),                   // placed by the kernel: escapes
            new SetCredsCall(1, 0, CapIpcLock: false),
            new MlockCall(1, B, P),
            new MmapCall(1, B + 12 * P, P, RW, Map.Private | Map.Anonymous),   // a free hint: lands there
            new MmapCall(1, B, P, RW, Map.Private | Map.Anonymous),            // an occupied hint: escapes
            new ExitCall(1),
            new MunmapCall(0, B, 16 * P),
        ]);
        return new Trace("every-call", B, 16 * P, calls);
    }

    /// <summary>A sample that holds every kind of call the traces make, filled up with evenly spread traces.</summary>
    static List<Trace> Sample(List<Trace> traces, int n)
    {
        var chosen = new List<Trace>();
        foreach (var kind in traces.SelectMany(t => t.Calls).Select(c => c.GetType()).Distinct().OrderBy(k => k.Name))
            if (!chosen.Any(t => t.Calls.Any(c => c.GetType() == kind)))
                chosen.Add(traces.First(t => t.Calls.Any(c => c.GetType() == kind)));
        var rest = traces.Except(chosen).ToList();
        int need = Math.Min(n - chosen.Count, rest.Count);
        for (int k = 0; k < need; k++) chosen.Add(rest[k * rest.Count / need]);
        return chosen;
    }

    /// <summary>
    /// Writes each trace's reproducer into its own empty folder, compiles it there with plain `cc repro.c -o repro`,
    /// runs it, and compares its output with the executor's and the model's runs of the same trace.
    /// </summary>
    void CompileRunCompare(IReadOnlyList<Trace> traces)
    {
        var cc = Compiler();
        var native = Kernels.Native;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var nativeRuns = native.Run(traces);
        var nativeTime = sw.Elapsed;
        var model = new ModelJudge(native.Profile);
        var modelRuns = model.Run(traces);
        sw.Restart();
        var repro = new TraceRun[traces.Count];
        var problems = new string?[traces.Count];
        var dir = Directory.CreateTempSubdirectory("anonvma-repro-");
        try
        {
            Parallel.For(0, traces.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                var t = traces[i];
                string sub = Path.Combine(dir.FullName, i.ToString()), src = Path.Combine(sub, "repro.c"), exe = Path.Combine(sub, "repro");
                Directory.CreateDirectory(sub);
                File.WriteAllText(src, CReproducer.Generate(t));
                var build = Shell.Run(cc, [src, "-o", exe], TimeSpan.FromMinutes(2));
                if (build.ExitCode != 0 || build.Stderr != "")
                {
                    problems[i] = $"{t.Id}: cc repro.c -o repro (exit {build.ExitCode}):\n{build.Stdout}{build.Stderr}";
                    return;
                }
                var run = Shell.Run(exe, [], TimeSpan.FromSeconds(60 + 2 * t.Calls.Count));
                try
                {
                    var runs = ExecutorOutput.Parse(run.Stdout, $"reproducer {t.Id}");
                    if (run.ExitCode != 0 || runs.Count != 1 || runs[0].TraceId != t.Id)
                        problems[i] = $"{t.Id}: the reproducer exited {run.ExitCode} with {runs.Count} run(s): {run.Stderr}";
                    else
                        repro[i] = runs[0];
                }
                catch (ExecutorOutputException e) { problems[i] = $"{t.Id}: {e.Message}"; }
            });
        }
        finally { dir.Delete(recursive: true); }
        var reproTime = sw.Elapsed;

        var failures = problems.Where(p => p is not null).Select(p => p!).ToList();
        for (int i = 0; i < traces.Count; i++)
        {
            if (repro[i] is null) continue;
            if (repro[i].End != nativeRuns[i].End || nativeRuns[i].End != RunEnd.Completed)
                failures.Add($"{traces[i].Id}: the executor's run ended {nativeRuns[i].End} ({nativeRuns[i].Detail}), the reproducer's {repro[i].End} ({repro[i].Detail})");
            if (Comparison.FirstDifference(traces[i], native.Name, nativeRuns[i], "reproducer", repro[i]) is { } d) failures.Add(d.Report());
            if (Comparison.FirstDifference(traces[i], model.Name, modelRuns[i], "reproducer", repro[i]) is { } m) failures.Add(m.Report());
        }
        log.WriteLine($"{traces.Count} traces, {traces.Sum(t => t.Calls.Count)} calls: executor {nativeTime.TotalSeconds:F1} s; " +
                      $"reproducers written, compiled and run {reproTime.TotalSeconds:F1} s; {failures.Count} problem(s)");
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)) + (failures.Count > 3 ? $"\n... and {failures.Count - 3} more" : ""));
    }

    /// <summary>`cc` from PATH; skips (or fails, with ANONVMA_REQUIRE_KERNELS=1) when there is none.</summary>
    static string Compiler() => Components.CCompiler();
}
