using Xunit.Abstractions;
using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Cli;

/// <summary>`anonvma fuzz`: a short campaign prints its summary with coverage; findings are saved with their replay command.</summary>
public class FuzzTests(ITestOutputHelper log)
{
    [Fact]
    public void Invariants_only_for_three_seconds()
    {
        string dir = TempDir();
        try
        {
            var r = Run("fuzz", "--time", "3s", "--judges", "model", "--seed", "1", "--out", dir);
            log.WriteLine(r.Out + r.Err);
            Assert.Equal(0, r.Code);
            Assert.Contains("oracles: invariants(linux-6.12)\n", r.Out);
            Assert.Contains("repeat with: dotnet run -c Release --project tools/anonvma -- fuzz --seed 1 --time 3s", r.Out);
            Assert.Matches(@"(?m)^traces: [\d,]+   calls: [\d,]+   rate: [\d,]+ calls/s", r.Out);
            Assert.Contains("coverage:\n  call     mmap=", r.Out);
            Assert.Contains("  pre      WellFormed=", r.Out);
            Assert.Contains("findings: none", r.Out);
            Assert.Empty(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Model_and_this_machines_kernel_for_five_seconds()
    {
        string dir = TempDir();
        try
        {
            var r = Run("fuzz", "--time", "5s", "--seed", "1", "--out", dir);
            log.WriteLine(r.Out + r.Err);
            Assert.Matches(@"(?m)^oracles: invariants\(linux-6.12\) \+ model\(.+\) vs native-.+$", r.Out);
            Assert.Contains("coverage:\n", r.Out);
            // On its defaults fuzz also judges with Linux 6.12 when its image is built (CI builds it), and says what each judge checked.
            bool qemu = AnonVma.Judges.QemuJudge.TryCreate(out _) is not null;
            Assert.Matches(qemu ? @"(?m)^calls judged: model [\d,]+, native [\d,]+, qemu [\d,]+" : @"(?m)^calls judged: model [\d,]+, native [\d,]+$", r.Out);
            if (!qemu) Assert.Contains("not judged by Linux 6.12", r.Out);
            // The model is meant to agree with this kernel; if it ever does not, the run must say so and save it.
            if (r.Code == 0) Assert.Contains("findings: none", r.Out);
            else
            {
                Assert.Equal(1, r.Code);
                Assert.Contains("replay: dotnet run --project tools/anonvma -- replay ", r.Out);
                Assert.NotEmpty(Directory.GetFiles(dir, "*.trace"));
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_finding_is_shrunk_saved_and_replayable()
    {
        string dir = TempDir();
        try
        {
            var r = Run("fuzz", "--time", "5s", "--judges", "model", "--seed", "1", "--out", dir, "--mutate", "MlockSkipsPopulate");
            log.WriteLine(r.Out + r.Err);
            Assert.Equal(1, r.Code);
            Assert.Matches(@"(?m)^  1\. invariant:MlockPopulated at mlock +x\d+, seed \d+, shrunk from 24 to \d calls", r.Out);
            var saved = Directory.GetFiles(dir, "*.trace");
            Assert.Single(saved);
            Assert.Contains($"     saved: {saved[0]}\n", r.Out);
            Assert.Contains($"     replay: dotnet run --project tools/anonvma -- replay {saved[0]} --mutate MlockSkipsPopulate\n", r.Out);
            // The saved file replays: the mutated model breaks the invariant again, the real one does not.
            var again = Run("replay", saved[0], "--on", "model", "--mutate", "MlockSkipsPopulate");
            Assert.Equal(1, again.Code);
            Assert.Contains("invariants: BROKEN at call", again.Out);
            Assert.Equal(0, Run("replay", saved[0], "--on", "model").Code);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Ctrl_C_stops_the_campaign_and_the_summary_still_comes()
    {
        string dir = TempDir();
        try
        {
            using var interrupt = new CancellationTokenSource(TimeSpan.FromSeconds(2.5));
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var r = Run(true, interrupt.Token, "fuzz", "--time", "10m", "--judges", "model", "--seed", "3", "--out", dir, "--no-color");
            log.WriteLine(r.Out + r.Err);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
            Assert.Equal(0, r.Code);
            Assert.Matches(@"\rtraces [\d,]+  calls [\d,]+  [\d,]+ calls/s  findings 0  \d+ s left", r.Out); // rewritten in place
            Assert.Matches(@"(?m)^interrupted after \d+\.\d s$", r.Out);
            Assert.Contains("coverage:\n", r.Out);
            Assert.Contains("findings: none", r.Out);
        }
        finally { Directory.Delete(dir, true); }
    }
}
