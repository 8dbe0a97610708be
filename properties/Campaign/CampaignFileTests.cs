using AnonVma.Campaign;
using AnonVma.Traces;

namespace AnonVma.Properties.Campaign;

/// <summary>Damaged or foreign campaign files give one clear error naming the file and line, and are never half-written.</summary>
public class CampaignFileTests : IDisposable
{
    readonly string root = Path.Combine(Path.GetTempPath(), $"anonvma-campaign-files-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }

    CampaignDirectory New(string name = "c") => CampaignDirectory.Create(Path.Combine(root, name), new CampaignConfig { Judges = ["model"], Seeds = 64 });

    [Fact]
    public void A_malformed_state_file_names_its_path_and_line()
    {
        var dir = New();
        File.WriteAllText(dir.StateFile, "{\n  \"version\": 1,\n  \"traces\": [oops]\n}\n");
        var e = Assert.Throws<CampaignFileException>(() => dir.ReadState());
        Assert.StartsWith($"{dir.StateFile}:3:", e.Message);
    }

    [Fact]
    public void A_bad_done_range_is_refused()
    {
        var dir = New();
        File.WriteAllText(dir.StateFile, "{\"version\":1,\"done\":{\"main\":[[5,2]]}}");
        Assert.Contains("bad block range [5, 2]", Assert.Throws<CampaignFileException>(() => dir.ReadState()).Message);
    }

    [Fact]
    public void A_config_from_a_newer_format_is_refused_not_misread()
    {
        var dir = New();
        File.WriteAllText(dir.ConfigFile, $"{{\"version\": {CampaignDirectory.FormatVersion + 1}, \"judges\": [\"model\"]}}");
        Assert.Contains("newer AnonVma", Assert.Throws<CampaignFileException>(() => dir.ReadConfig()).Message);
    }

    [Fact]
    public void A_config_with_a_bad_shard_or_judge_is_refused()
    {
        var dir = New();
        File.WriteAllText(dir.ConfigFile, $"{{\"version\": {CampaignDirectory.FormatVersion}, \"judges\": [\"model\"], \"shardIndex\": 3, \"shardCount\": 2}}");
        Assert.Contains("shard 3/2", Assert.Throws<CampaignFileException>(() => dir.ReadConfig()).Message);
        File.WriteAllText(dir.ConfigFile, $"{{\"version\": {CampaignDirectory.FormatVersion}, \"judges\": [\"model\", \"remote\"]}}");
        Assert.Contains("unknown judge", Assert.Throws<CampaignFileException>(() => dir.ReadConfig()).Message);
    }

    [Fact]
    public void Creating_over_an_existing_campaign_or_a_non_empty_directory_is_refused()
    {
        New("c");
        Assert.Contains("already holds a campaign", Assert.Throws<CampaignFileException>(() => New("c")).Message);
        Directory.CreateDirectory(Path.Combine(root, "busy"));
        File.WriteAllText(Path.Combine(root, "busy", "notes.txt"), "mine");
        Assert.Contains("not empty", Assert.Throws<CampaignFileException>(() => New("busy")).Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(root, "busy", "notes.txt")));
    }

    [Fact]
    public void The_timeline_skips_a_torn_last_line_but_not_a_bad_line_in_the_middle()
    {
        var dir = New();
        var sample = new TimelineSample(1.5, 1, 10, new Dictionary<string, long> { ["model"] = 240 }, new Dictionary<string, int> { ["call"] = 3 }, 0, 100, 20);
        Timeline.Append(dir.TimelineFile, sample);
        Timeline.Append(dir.TimelineFile, sample with { Seconds = 2.5 });
        File.AppendAllText(dir.TimelineFile, "{\"seconds\": 3.5, \"sess"); // a write cut short by kill -9
        var read = Timeline.Read(dir.TimelineFile);
        Assert.Equal([1.5, 2.5], read.Select(s => s.Seconds));
        Assert.Equal(240, read[0].JudgeCalls["model"]);

        File.WriteAllText(dir.TimelineFile, "{\"seconds\": 1}\nnot json\n{\"seconds\": 2}\n");
        Assert.StartsWith($"{dir.TimelineFile}:2:", Assert.Throws<CampaignFileException>(() => Timeline.Read(dir.TimelineFile)).Message);
    }

    [Fact]
    public void Reading_findings_leaves_unpublished_directories_alone_and_only_a_campaign_removes_them()
    {
        var dir = New();
        string unpublished = Path.Combine(dir.FindingsDir, ".tmp-invariant-X-12345");
        Directory.CreateDirectory(unpublished);
        var store = new FindingStore(dir.FindingsDir); // what report and merge do, maybe while a campaign runs
        Assert.True(Directory.Exists(unpublished));
        Assert.Equal(0, store.Count);
        store.RemoveUnpublished();
        Assert.False(Directory.Exists(unpublished));
    }

    [Fact]
    public void Atomic_writes_leave_no_temporary_files_and_write_new_never_replaces()
    {
        Directory.CreateDirectory(root);
        string path = Path.Combine(root, "f.txt");
        AtomicFile.Write(path, "one");
        AtomicFile.Write(path, "two");
        Assert.Equal("two", File.ReadAllText(path));
        Assert.False(AtomicFile.WriteNew(path, "three"));
        Assert.Equal("two", File.ReadAllText(path));
        Assert.Equal(["f.txt"], Directory.GetFiles(root).Select(Path.GetFileName));
    }
}
