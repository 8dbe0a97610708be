using AnonVma.Campaign;
using AnonVma.Properties.Cli;
using AnonVma.Properties.Differential;

namespace AnonVma.Properties.Campaign;

/// <summary>The campaign, report and merge commands as a user runs them: exit codes, messages, and the files they leave.</summary>
public class CampaignCliTests : IDisposable
{
    readonly string root = CliRunner.TempDir();

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    string Dir(string name) => Path.Combine(root, name);

    static readonly string[] Mutated = ["--judges", "model", "--mutate", "SplitForgetsName", "--block", "32"];

    [Fact]
    public void A_campaign_with_findings_exits_1_and_leaves_its_report_summary_and_findings()
    {
        var r = CliRunner.Run(["campaign", "--out", Dir("c"), "--seeds", "128", .. Mutated]);
        Assert.True(r.Code == 1, r.Out + r.Err);
        Assert.Contains("campaign complete", r.Out);
        Assert.Contains("mutation SplitForgetsName", r.Out);
        Assert.Contains("new finding: invariant:", r.Out); // said as it happens, in plain lines (not a terminal)
        Assert.Contains("report: ", r.Out);
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(Dir("c"), "report.html")));
        Assert.Contains("SplitKeepsName", File.ReadAllText(Path.Combine(Dir("c"), "summary.md")));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Dir("c"), "findings"), "shrunk.trace", SearchOption.AllDirectories));

        // Resuming a complete campaign does no more work and says so.
        var again = CliRunner.Run("campaign", "--resume", Dir("c"), "--time", "5s");
        Assert.Equal(1, again.Code);
        Assert.Contains("campaign complete", again.Out);
        Assert.Equal(128, CampaignDirectory.Open(Dir("c")).ReadState().Traces["main"]);
    }

    [Fact]
    public void On_a_terminal_the_campaign_shows_a_live_table()
    {
        var r = CliRunner.Run(true, ["campaign", "--out", Dir("t"), "--seeds", "64", "--no-color", .. Mutated]);
        Assert.True(r.Code == 1, r.Out + r.Err);
        Assert.Contains("throughput", r.Out);
        Assert.Contains("coverage", r.Out);
        Assert.Contains("calls/s now", r.Out);
    }

    [Fact]
    public void Ctrl_C_stops_at_once_and_the_campaign_can_be_resumed()
    {
        using var cancel = new CancellationTokenSource();
        cancel.Cancel();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var r = CliRunner.Run(false, cancel.Token, ["campaign", "--out", Dir("i"), "--seeds", "100000", "--judges", "model"]);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(30), $"took {sw.Elapsed}");
        Assert.Contains("interrupted", r.Out);
        Assert.Contains($"campaign --resume", r.Out);
        Assert.True(File.Exists(Path.Combine(Dir("i"), "report.html")));
    }

    [Theory]
    [InlineData("--seeds", "5", "--seeds cannot change on --resume")]
    [InlineData("--judges", "model", "--judges cannot change on --resume")]
    [InlineData("--out", "x", "--out and --resume exclude each other")]
    public void Resume_refuses_options_that_would_change_the_campaign(string option, string value, string message)
    {
        Assert.Equal(1, CliRunner.Run(["campaign", "--out", Dir("r"), "--seeds", "32", .. Mutated]).Code);
        var before = File.ReadAllText(Path.Combine(Dir("r"), "state.json"));
        var r = CliRunner.Run("campaign", "--resume", Dir("r"), option, value);
        Assert.Equal(2, r.Code);
        Assert.Contains(message, r.Err);
        Assert.Equal(before, File.ReadAllText(Path.Combine(Dir("r"), "state.json")));
    }

    [Theory]
    [InlineData(new[] { "--shard", "2/2" }, "--shard expects i/n")]
    [InlineData(new[] { "--judges", "native" }, "always checks the model")]
    [InlineData(new[] { "--mutate", "Nonsense" }, "unknown rule 'Nonsense'")]
    [InlineData(new[] { "--seeds", "0" }, "--seeds expects a whole number")]
    public void Bad_options_exit_2_and_write_nothing(string[] options, string message)
    {
        var r = CliRunner.Run(["campaign", "--out", Dir("bad"), .. options]);
        Assert.Equal(2, r.Code);
        Assert.Contains(message, r.Err);
        Assert.False(Directory.Exists(Dir("bad")));
    }

    [Fact]
    public void Resuming_what_is_not_a_campaign_names_the_directory()
    {
        Directory.CreateDirectory(Dir("plain"));
        var r = CliRunner.Run("campaign", "--resume", Dir("plain"));
        Assert.Equal(2, r.Code);
        Assert.Contains($"{Dir("plain")} is not a campaign directory", r.Err);
        var gone = CliRunner.Run("campaign", "--resume", Dir("nowhere"));
        Assert.Equal(2, gone.Code);
        Assert.Contains("no such directory", gone.Err);
    }

    [Fact]
    public void Merge_combines_shards_into_one_report()
    {
        foreach (var i in new[] { 0, 1 })
            Assert.Equal(1, CliRunner.Run(["campaign", "--out", Dir($"s{i}"), "--seeds", "128", "--shard", $"{i}/2", .. Mutated]).Code);
        var r = CliRunner.Run("merge", Dir("s0"), Dir("s1"), "--out", Dir("m"));
        Assert.True(r.Code == 1, r.Out + r.Err);
        Assert.Contains("merged 2 shard(s)", r.Out);
        Assert.Equal(128, CampaignDirectory.Open(Dir("m")).ReadState().Traces["main"]);
        Assert.Contains("merged from 2 shards", File.ReadAllText(Path.Combine(Dir("m"), "report.html")));

        var noOut = CliRunner.Run("merge", Dir("s0"));
        Assert.Equal(2, noOut.Code);
        Assert.Contains("merge needs --out", noOut.Err);
    }

    [SkippableFact]
    public void The_report_of_a_real_campaign_renders_in_headless_chromium_with_every_chart_drawn()
    {
        Components.Chromium();
        Assert.Equal(1, CliRunner.Run(["campaign", "--out", Dir("h"), "--seeds", "256", .. Mutated]).Code);
        var r = CliRunner.Run("report", Dir("h"), "--check", "--screenshot", Path.Combine(Dir("h"), "report.png"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        Assert.Contains("4 of 4 charts drawn", r.Out);
        Assert.True(new FileInfo(Path.Combine(Dir("h"), "report.png")).Length > 10_000);
    }
}
