using AnonVma.Judges;
using YamlDotNet.RepresentationModel;

namespace AnonVma.Properties.Campaign;

/// <summary>
/// The nightly workflow is valid YAML with the shape GitHub Actions needs, and it runs the same commands as CI's
/// 2-minute campaign (tools/nightly.sh) and the README, so what CI proves is what runs at night.
/// </summary>
public class NightlyWorkflowTests
{
    static readonly string Root = RepoPaths.Root;

    static YamlMappingNode Workflow()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, ".github", "workflows", "nightly.yml"));
        yaml.Load(reader); // throws on invalid YAML
        return (YamlMappingNode)Assert.Single(yaml.Documents).RootNode;
    }

    static YamlMappingNode Map(YamlNode node, string key) => (YamlMappingNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    static YamlSequenceNode Seq(YamlNode node, string key) => (YamlSequenceNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)];
    static string? Scalar(YamlNode node, string key) =>
        ((YamlMappingNode)node).Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;

    static IEnumerable<string> Runs(YamlMappingNode job) => Seq(job, "steps").Select(s => Scalar(s, "run")).OfType<string>();
    static IEnumerable<string> Uses(YamlMappingNode job) => Seq(job, "steps").Select(s => Scalar(s, "uses")).OfType<string>();

    [Fact]
    public void It_runs_on_a_schedule_and_by_hand()
    {
        var on = Map(Workflow(), "on");
        var cron = Scalar(Assert.Single(Seq(on, "schedule")), "cron");
        Assert.Matches(@"^\S+ \S+ \S+ \S+ \S+$", cron);
        Assert.True(on.Children.ContainsKey(new YamlScalarNode("workflow_dispatch")));
    }

    [Fact]
    public void Each_shard_installs_like_CI_runs_nightly_sh_with_its_shard_and_uploads_its_directory()
    {
        var job = Map(Map(Workflow(), "jobs"), "campaign");
        var shards = Seq(Map(Map(job, "strategy"), "matrix"), "shard").Select(n => int.Parse(((YamlScalarNode)n).Value!)).ToList();
        Assert.Equal(Enumerable.Range(0, shards.Count), shards);
        var runs = Runs(job).ToList();
        Assert.Contains("bash .ci/install", runs);
        var campaign = Assert.Single(runs, r => r.Contains("tools/nightly.sh"));
        Assert.Contains("campaign-${{ matrix.shard }}", campaign);
        Assert.Contains($"${{{{ matrix.shard }}}}/{shards.Count}", campaign);
        Assert.Contains(Uses(job), u => u.StartsWith("actions/upload-artifact@"));
        Assert.Contains(Uses(job), u => u.StartsWith("actions/setup-dotnet@"));
    }

    [Fact]
    public void The_report_job_merges_the_shards_checks_the_report_and_uploads_it()
    {
        var job = Map(Map(Workflow(), "jobs"), "report");
        Assert.Equal("campaign", ((YamlScalarNode)job.Children[new YamlScalarNode("needs")]).Value);
        string script = string.Join("\n", Runs(job));
        Assert.Contains("tools/anonvma -- merge shards/campaign-* --out merged", script);
        Assert.Contains("tools/anonvma -- report merged --check", script);
        Assert.Contains("GITHUB_STEP_SUMMARY", script);
        Assert.Contains(Uses(job), u => u.StartsWith("actions/download-artifact@"));
        Assert.Contains(Uses(job), u => u.StartsWith("actions/upload-artifact@"));
    }

    [Fact]
    public void CI_runs_the_same_script_and_the_script_runs_the_documented_commands()
    {
        Assert.Contains("tools/nightly.sh 2m", File.ReadAllText(Path.Combine(Root, ".ci", "run")));
        string script = File.ReadAllText(Path.Combine(Root, "tools", "nightly.sh"));
        Assert.Contains("campaign --out \"$dir\" --time \"$time\"", script);
        Assert.Contains("report \"$dir\" --check", script);
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        Assert.Contains("tools/nightly.sh", readme);
        Assert.Contains("tools/kill9-test.sh", readme);
    }
}
