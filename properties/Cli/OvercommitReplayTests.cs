using Xunit.Abstractions;
using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Cli;

/// <summary>The issue's trace: a 256 GiB populating mmap that once kept `replay --on model` busy past 60 s.</summary>
public class OvercommitReplayTests(ITestOutputHelper log)
{
    [Fact]
    public void Replay_on_the_model_of_a_256_GiB_populate_finishes_with_ENOMEM()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "huge-populate.trace");
            File.WriteAllText(path, """
                anonvma-trace 1
                # profile: linux-6.12
                trace huge-populate
                arena 0x200000000000 0x4000000000

                p0: mmap(0x200000000000, 0x4000000000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_POPULATE, -1, 0) = -ENOMEM
                p0: mmap(0x200000000000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x200000000000

                """);
            var r = Run("replay", path, "--on", "model");
            log.WriteLine(r.Out + r.Err);
            Assert.Equal(0, r.Code);
            Assert.Matches(@"(?m)^      = -ENOMEM$", r.Out);
            Assert.Contains("expectations: met on model(linux-6.12)", r.Out);
        }
        finally { Directory.Delete(dir, true); }
    }
}
