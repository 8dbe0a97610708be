using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The regression corpus (traces/corpus/*.trace): every file's expectations, recorded on Linux 6.12 under QEMU with
/// `anonvma record --on qemu`, hold on the model of its profile and on that kernel; and the model agrees call by call
/// (results, maps and smaps) with each real kernel.
/// </summary>
public class CorpusTests(ITestOutputHelper log)
{
    public static IReadOnlyList<(string Path, TraceDocument Doc)> Files() =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "traces", "corpus"), "*.trace").Order(StringComparer.Ordinal)
            .Select(p => (p, TraceText.Load(p))).ToList();

    [Fact]
    public void The_corpus_has_recorded_traces()
    {
        var files = Files();
        Assert.True(files.Count >= 10, $"only {files.Count} corpus files");
        Assert.All(files, f => Assert.NotNull(f.Doc.Get("recorded-on")));
        Assert.All(files, f => Assert.Contains(f.Doc.Expected, e => e?.Views is not null));
    }

    [Fact]
    public void Every_expectation_holds_on_the_model()
    {
        foreach (var (path, doc) in Files())
        {
            var profile = KernelProfile.ByName(doc.Get("profile") ?? "") ?? throw new InvalidOperationException($"{path}: no known profile header");
            var run = new ModelJudge(profile).RunOne(doc.Trace);
            Assert.True(Expectations.FirstMismatch(doc, run) is null, $"{path}: {Expectations.FirstMismatch(doc, run)}");
        }
    }

    [SkippableFact]
    public void Every_expectation_holds_on_linux_6_12_and_the_model_agrees_with_it()
    {
        var judge = Kernels.Qemu();
        var files = Files().Where(f => f.Doc.Get("profile") == judge.Profile.Name).ToList();
        Assert.NotEmpty(files);
        var runs = judge.Run(files.Select(f => f.Doc.Trace).ToList());
        for (int i = 0; i < files.Count; i++)
            Assert.True(Expectations.FirstMismatch(files[i].Doc, runs[i]) is null, $"{files[i].Path}: {Expectations.FirstMismatch(files[i].Doc, runs[i])}");
        var d = Differential.Run(judge, files.Select(f => f.Doc.Trace).ToList());
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
    }

    [Fact]
    public void The_model_agrees_with_this_machine_kernel_on_the_corpus()
    {
        var d = Differential.Run(Kernels.Native, Files().Select(f => f.Doc.Trace).ToList());
        log.WriteLine(d.Summary());
        Assert.True(d.Disagreements.Count == 0, d.Summary());
    }
}
