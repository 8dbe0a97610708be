using AnonVma.Judges;
using AnonVma.Properties.Differential;
using AnonVma.Traces;
using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Cli;

/// <summary>`export-c` writes a C program that builds with plain cc and prints what the executor prints; `record` writes a judge's observations into a file.</summary>
public class ExportAndRecordTests
{
    [SkippableFact]
    public void Export_c_output_compiles_and_prints_what_the_native_judge_observes()
    {
        var cc = Environment.GetEnvironmentVariable("CC") ?? Components.CCompiler();
        var dir = TempDir();
        var c = Path.Combine(dir, "repro.c");
        var r = Run("export-c", Example("mlock-fork.trace"), "--out", c);
        Assert.Equal(0, r.Code);
        Shell.Result build;
        try { build = Shell.Run(cc, [c, "-o", Path.Combine(dir, "repro")], TimeSpan.FromMinutes(2)); }
        catch (System.ComponentModel.Win32Exception e) { throw Components.Missing("a C compiler", $"{cc} cannot run: {e.Message}", Components.Required); }
        Assert.True(build.ExitCode == 0, build.Stderr);
        var run = Shell.Run(Path.Combine(dir, "repro"), [], TimeSpan.FromMinutes(1));
        Assert.Equal(0, run.ExitCode);
        var trace = TraceText.Load(Example("mlock-fork.trace")).Trace;
        var observed = ExecutorOutput.Parse(run.Stdout, "repro").Single();
        var native = Kernels.Native.Run([trace]).Single();
        Assert.Null(Comparison.FirstDifference(trace, "repro", observed, Kernels.Native.Name, native)?.Report());
    }

    [Fact]
    public void Record_writes_the_model_observations_and_they_then_hold()
    {
        var path = Path.Combine(TempDir(), "t.trace");
        File.Copy(Example("name-middle.trace"), path);
        var stripped = TraceText.Load(path);
        TraceText.Save(path, stripped with { Expected = new CallExpectation?[stripped.Trace.Calls.Count] });
        var r = Run("record", path, "--on", "model");
        Assert.Equal(0, r.Code);
        var doc = TraceText.Load(path);
        Assert.Equal("model(linux-6.12)", doc.Get("recorded-on"));
        Assert.All(doc.Expected, e => Assert.NotNull(e?.Result));
        Assert.Equal(0, Run("replay", path, "--on", "model").Code);
        Assert.Equal(2, Run("record", path).Code); // --on is required
    }
}
