using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// The files of one campaign: campaign.json (its config, written once), state.json (what is done, rewritten
/// atomically after every block), timeline.jsonl (chart points, appended), findings/ (one directory per distinct
/// finding, never overwritten), report.html and summary.md (rewritten from the rest at the end of each session).
/// </summary>
public sealed class CampaignDirectory
{
    /// <summary>
    /// What a seed means (<see cref="Schedule"/>): 2 since seeds go through Pcg32, 3 since calls are drawn by the call
    /// table's weights. A directory of another format is refused rather than resumed, merged or reported as if its seeds were today's.
    /// </summary>
    public const int FormatVersion = 3;

    public CampaignDirectory(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }
    public string ConfigFile => System.IO.Path.Combine(Path, "campaign.json");
    public string StateFile => System.IO.Path.Combine(Path, "state.json");
    public string TimelineFile => System.IO.Path.Combine(Path, "timeline.jsonl");
    public string FindingsDir => System.IO.Path.Combine(Path, "findings");
    public string ReportFile => System.IO.Path.Combine(Path, "report.html");
    public string SummaryFile => System.IO.Path.Combine(Path, "summary.md");

    /// <summary>Creates a new campaign; refuses a directory that already holds one (resume it, or pick another).</summary>
    public static CampaignDirectory Create(string path, CampaignConfig config)
    {
        Validate(config, "the campaign's options");
        var dir = new CampaignDirectory(path);
        if (File.Exists(dir.ConfigFile))
            throw new CampaignFileException($"{dir.Path} already holds a campaign; continue it with --resume {path}, or choose another --out");
        if (Directory.Exists(dir.Path) && Directory.EnumerateFileSystemEntries(dir.Path).Any())
            throw new CampaignFileException($"{dir.Path} exists and is not empty; choose an empty or new directory for --out");
        Directory.CreateDirectory(dir.FindingsDir);
        AtomicFile.Write(dir.StateFile, Json.Write(new CampaignState()));
        AtomicFile.Write(dir.ConfigFile, Json.Write(config)); // last: a directory with campaign.json is complete
        return dir;
    }

    /// <summary>Opens an existing campaign for --resume, merge or report.</summary>
    public static CampaignDirectory Open(string path)
    {
        var dir = new CampaignDirectory(path);
        if (!Directory.Exists(dir.Path)) throw new CampaignFileException($"{dir.Path}: no such directory");
        if (!File.Exists(dir.ConfigFile)) throw new CampaignFileException($"{dir.Path} is not a campaign directory (it has no campaign.json)");
        return dir;
    }

    public CampaignConfig ReadConfig()
    {
        var config = Json.Read<CampaignConfig>(ConfigFile);
        if (config.Version > FormatVersion)
            throw new CampaignFileException($"{ConfigFile}: written by a newer AnonVma (format {config.Version}; this one reads {FormatVersion})");
        if (config.Version < FormatVersion)
            throw new CampaignFileException($"{ConfigFile}: written by an older AnonVma (format {config.Version}), whose seeds mean other traces than " +
                $"this one's (format {FormatVersion}). Do not resume or merge it; start a new campaign");
        Validate(config, ConfigFile);
        return config;
    }

    public CampaignState ReadState()
    {
        var state = Json.Read<CampaignState>(StateFile);
        if (state.Version > FormatVersion)
            throw new CampaignFileException($"{StateFile}: written by a newer AnonVma (format {state.Version}; this one reads {FormatVersion})");
        foreach (var (lane, ranges) in state.Done)
            foreach (var r in ranges)
                if (r is not { Length: 2 } || r[0] < 0 || r[1] < r[0])
                    throw new CampaignFileException($"{StateFile}: lane '{lane}' has a bad block range [{string.Join(", ", r ?? [])}]");
        return state;
    }

    public void WriteState(CampaignState state) => AtomicFile.Write(StateFile, Json.Write(state));

    static void Validate(CampaignConfig c, string where)
    {
        string? problem =
            c.Judges is null || !c.Judges.Contains("model") ? "judges must include model" :
            c.Judges.Any(j => j is not ("model" or "native" or "qemu") && AnonVma.Judges.ImplementationJudge.ByKey(j) is null)
                ? $"unknown judge in [{string.Join(", ", c.Judges)}] (model, native, qemu, {string.Join(", ", AnonVma.Judges.ImplementationJudge.All.Select(i => i.Key))})" :
            c.ShardCount < 1 || c.ShardIndex < 0 || c.ShardIndex >= c.ShardCount ? $"shard {c.ShardIndex}/{c.ShardCount} is not i/n with 0 ≤ i < n" :
            c.BlockSize < 1 || c.QemuBlockSize < 1 ? "block sizes must be positive" :
            c.Seeds is < 1 ? "seeds must be positive" :
            c.FirstSeed < 0 || c.FirstSeed + (c.Seeds ?? 0) > int.MaxValue ? "seeds must stay within 0 … 2^31-1" :
            c.Mutation is { } m && (!Enum.TryParse<AnonVma.Model.Mutation>(m, true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(m, out _))
                ? $"unknown mutation '{m}' (choose from {string.Join(", ", Enum.GetNames<AnonVma.Model.Mutation>())})" :
            c.ShortLength < 1 || c.LongLength < 1 || c.LongEvery < 0 ? "trace lengths must be positive and long-every not negative" :
            null;
        if (problem is not null) throw new CampaignFileException($"{where}: {problem}");
    }
}
