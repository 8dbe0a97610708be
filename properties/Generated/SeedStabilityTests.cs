using System.Text;
using System.Text.RegularExpressions;
using AnonVma.Campaign;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Properties.Cli;
using AnonVma.Properties.Differential;
using AnonVma.Traces;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties.Generated;

/// <summary>
/// A seed names one trace forever: campaigns resume and merge by seed, findings are reported by seed. So the generator
/// is PCG32 held to its reference output, and a few seeds' traces are pinned as text in properties/Generated/Seeds/.
/// </summary>
public class SeedStabilityTests
{
    static readonly string SeedsDir = Path.Combine(RepoPaths.Root, "properties", "Generated", "Seeds");

    /// <summary>Set to 1 to rewrite the pinned files after a deliberate change of what seeds mean (and bump CampaignDirectory.FormatVersion).</summary>
    const string RewriteVariable = "ANONVMA_WRITE_SEEDS";

    /// <summary>
    /// pcg32-demo's output (pcg-c-basic, `pcg32_srandom_r(&amp;rng, 42u, 54u)`), rounds 1 and 5 of five: six raw
    /// outputs, 65 coins (boundedrand 2, H for 1), 33 dice (boundedrand 6, plus 1), and a 52-card Fisher-Yates deal
    /// (boundedrand i for i = 52 … 2), so both the raw generator and the unbiased bounded draw are the reference's.
    /// </summary>
    static readonly string[] DemoRound1 =
    [
        "32bit: 0xa15c02b7 0x7b47f409 0xba1d3330 0x83d2f293 0xbfa4784b 0xcbed606e",
        "Coins: HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT",
        "Rolls: 3 4 1 1 2 2 3 2 4 3 2 4 3 3 5 2 3 1 3 1 5 1 4 1 5 6 4 6 6 2 6 3 3",
        "Cards: Qd Ks 6d 3s 3d 4c 3h Td Kc 5c Jh Kd Jd As 4s 4h Ad Th Ac Jc 7s Qs 2s 7h Kh 2d 6c Ah 4d Qh 9h 6s 5s 2c 9c Ts 8d 9s 3c 8c Js 5d 2h 6h 7d 8s 9d 5h 8h Qc 7c Tc",
    ];

    static readonly string[] DemoRound5 =
    [
        "32bit: 0xfcef7cd6 0x1b488b5a 0xd0daf7ea 0x1d9a70f7 0x241a37cf 0x9a3857b7",
        "Coins: HHHHTHHTTHTTHHHTTTHHTHTHTTTTHTTHTHTTTHHHTHTHTTHTTHTHHTHTHHHTHTHTT",
        "Rolls: 5 4 1 2 6 1 3 1 5 6 3 6 2 1 4 4 5 2 1 5 6 5 6 4 4 4 5 2 6 4 3 5 6",
        "Cards: 4d 9s Qc 9h As Qs 7s 4c Kd 6h 6s 2c 8c 5d 7h 5h Jc 3s 7c Jh Js Ks Tc Jd Kc Th 3h Ts Qh Ad Td 3c Ah 2d 3d 5c Ac 8s 5s 9c 2h 6c 6d Kh Qd 8d 7d 2s 8h 4h 9d 4s",
    ];

    [Fact]
    public void Pcg32_prints_what_the_reference_demo_prints()
    {
        var rng = new Pcg32(42, Pcg32.SeedStream);
        var rounds = Enumerable.Range(1, 5).Select(_ => DemoRound(rng)).ToList();
        Assert.Equal(DemoRound1, rounds[0]);
        Assert.Equal(DemoRound5, rounds[4]);
        // Seed 42 is exactly the demo's generator: the stream seeds use is the one the reference output checks.
        Assert.Equal(0xa15c02b7u, Pcg32.ForSeed(42).NextUInt());
    }

    static string[] DemoRound(Pcg32 rng)
    {
        string bits = string.Join(' ', Enumerable.Range(0, 6).Select(_ => $"0x{rng.NextUInt():x8}"));
        string coins = new(Enumerable.Range(0, 65).Select(_ => rng.Next(2) == 1 ? 'H' : 'T').ToArray());
        string rolls = string.Join(' ', Enumerable.Range(0, 33).Select(_ => rng.Next(6) + 1));
        var cards = Enumerable.Range(0, 52).ToArray();
        for (int i = 52; i > 1; i--)
        {
            int chosen = rng.Next(i);
            (cards[chosen], cards[i - 1]) = (cards[i - 1], cards[chosen]);
        }
        string dealt = string.Join(' ', cards.Select(c => $"{"A23456789TJQK"[c / 4]}{"hcds"[c % 4]}"));
        return [$"32bit: {bits}", $"Coins: {coins}", $"Rolls: {rolls}", $"Cards: {dealt}"];
    }

    [Fact]
    public void Bounded_draws_stay_in_range_and_refuse_empty_ranges()
    {
        var rng = Pcg32.ForSeed(7);
        var seen = new HashSet<int>();
        for (int i = 0; i < 5000; i++)
        {
            int v = Between(rng, -3, 4);
            Assert.InRange(v, -3, 3);
            seen.Add(v);
            Assert.InRange(rng.Next(int.MaxValue), 0, int.MaxValue - 1);
            Assert.InRange(Between(rng, int.MinValue, int.MaxValue), int.MinValue, int.MaxValue - 1);
        }
        Assert.Equal(7, seen.Count);
        Assert.Equal(0, rng.Next(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Next(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.Next(-5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Between(rng, 3, 3));
    }

    /// <summary>
    /// Uniform in [min, maxExclusive) by pcg32_boundedrand_r's rejection over the whole width, which may pass
    /// int.MaxValue (the generator itself draws only [0, bound)).
    /// </summary>
    static int Between(Pcg32 rng, int min, int maxExclusive)
    {
        if (maxExclusive <= min) throw new ArgumentOutOfRangeException(nameof(maxExclusive), $"empty range [{min}, {maxExclusive})");
        uint b = unchecked((uint)(maxExclusive - min)), threshold = unchecked(0u - b) % b;
        while (true)
        {
            uint r = rng.NextUInt();
            if (r >= threshold) return unchecked(min + (int)(r % b));
        }
    }

    /// <summary>The pinned traces: the campaign's short and long schedule, the fuzzer's generator, the differential tests'.</summary>
    static readonly string[] PinnedNames = ["gen-1", "gen-2", "gen-1000", "long-32", "gen-10001"];

    public static TheoryData<string> Pinned => new(PinnedNames);

    static TraceDocument Current(string name)
    {
        var config = new CampaignConfig();
        return name switch
        {
            "gen-1" or "gen-2" or "gen-1000" => Of(ScheduledTrace.Of(config, long.Parse(name[4..])), "campaign schedule, default config: 24 calls, GeneratorSettings.Default, linux-6.12"),
            "long-32" => Of(ScheduledTrace.Of(config, 32), "campaign schedule, default config: seed 32 is the first long one (1,000 calls, Schedule.LongSettings)"),
            "gen-10001" => Of(NativeKernelTests.Generated(1)[0], "the differential tests' first trace: 24 calls, GeneratorSettings.Default, linux-6.12"),
            _ => throw new ArgumentException(name),
        };

        static TraceDocument Of(Trace t, string what) =>
            TraceDocument.Of(t, ("seed", Regex.Match(t.Id, @"\d+$").Value), ("generator", what));
    }

    [Theory]
    [MemberData(nameof(Pinned))]
    public void A_seed_realises_the_very_trace_pinned_for_it(string name)
    {
        string path = Path.Combine(SeedsDir, name + ".trace");
        string now = TraceText.Print(Current(name));
        if (Environment.GetEnvironmentVariable(RewriteVariable) == "1")
        {
            Directory.CreateDirectory(SeedsDir);
            File.WriteAllText(path, now);
            Assert.Fail($"{RewriteVariable}=1: rewrote {path}; run again without it");
        }
        Assert.True(File.Exists(path), $"{path} is missing");
        string pinned = File.ReadAllText(path);
        if (pinned == now) return;
        var (a, b) = (pinned.Split('\n'), now.Split('\n'));
        int line = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(i => a[i] != b[i], Math.Min(a.Length, b.Length));
        Assert.Fail(new StringBuilder()
            .AppendLine($"{path}:{line + 1}: this seed now realises another trace, so every campaign's seeds mean other traces.")
            .AppendLine($"  pinned: {(line < a.Length ? a[line] : "(end of file)")}")
            .AppendLine($"  now:    {(line < b.Length ? b[line] : "(end of file)")}")
            .AppendLine($"If that is intended, bump CampaignDirectory.FormatVersion and rewrite the pins with {RewriteVariable}=1.")
            .ToString());
    }

    [Fact]
    public void The_pinned_files_parse_and_are_the_documents_they_pin()
    {
        foreach (var name in PinnedNames)
        {
            string path = Path.Combine(SeedsDir, name + ".trace");
            var doc = TraceText.Load(path);
            Assert.Equal(Current(name).Trace.Calls, doc.Trace.Calls);
        }
        Assert.Equal(PinnedNames.Select(n => n + ".trace").Order(StringComparer.Ordinal),
            Directory.GetFiles(SeedsDir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Nothing_a_seed_defines_draws_from_System_Random()
    {
        // System.Random promises no sequence across .NET versions; every seeded draw goes through Pcg32.
        var banned = new Regex(@"\bnew\s+(System\.)?Random\s*\(|\bRandom\.Shared\b|\bRandom\s+\w+\s*=");
        var offenders = new List<string>();
        foreach (var dir in new[] { "traces", "tools", "properties", "model" })
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, dir), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}")) continue;
                var lines = File.ReadAllLines(file);
                for (int i = 0; i < lines.Length; i++)
                    if (banned.IsMatch(lines[i])) offenders.Add($"{Path.GetRelativePath(RepoPaths.Root, file)}:{i + 1}: {lines[i].Trim()}");
            }
        Assert.True(offenders.Count == 0, "System.Random where a seed means something:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void A_campaign_directory_from_of_an_older_format_is_refused_on_resume_and_merge()
    {
        string root = CliRunner.TempDir();
        try
        {
            string old = Path.Combine(root, "old"), other = Path.Combine(root, "other");
            foreach (var d in new[] { old, other }) CampaignDirectory.Create(d, new CampaignConfig { Judges = ["model"], Seeds = 64 });
            Assert.Contains($"\"version\": {CampaignDirectory.FormatVersion}", File.ReadAllText(Path.Combine(old, "campaign.json")));
            // The format before this one: its seeds meant other traces (format 1: System.Random; 2: the generator's own call weights).
            int older = CampaignDirectory.FormatVersion - 1;
            string config = Path.Combine(old, "campaign.json");
            File.WriteAllText(config, Regex.Replace(File.ReadAllText(config), "\"version\": \\d+", $"\"version\": {older}"));

            var resume = CliRunner.Run("campaign", "--resume", old, "--time", "5s");
            Assert.True(resume.Code == 2, resume.Out + resume.Err);
            Assert.Contains($"{config}: written by an older AnonVma (format {older})", resume.Err);
            Assert.Contains("start a new campaign", resume.Err);

            var merge = CliRunner.Run("merge", old, other, "--out", Path.Combine(root, "merged"));
            Assert.True(merge.Code == 2, merge.Out + merge.Err);
            Assert.Contains($"{config}: written by an older AnonVma (format {older})", merge.Err);
            Assert.False(File.Exists(Path.Combine(root, "merged", "campaign.json")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
