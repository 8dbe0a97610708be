using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// Linux 6.12 with CONFIG_ANON_VMA_NAME=y under QEMU with the executor as /init (tools/qemu/serve.sh): long-lived
/// guests fed batch after batch, each restored from one saved boot; a hung guest is killed and its traces come back Lost.
/// </summary>
public sealed class QemuJudge : ExecutorJudge
{
    /// <summary>The one command that builds the image this judge needs.</summary>
    public const string BuildCommand = "tools/qemu/build-kernel.sh";

    readonly string kernel;

    QemuJudge(string kernel, string name, KernelProfile profile) : base(name, profile, "the guest's RAM, -m 512 in tools/qemu/run-batch.sh") =>
        this.kernel = kernel;

    /// <summary>
    /// The kernels build-kernel.sh builds besides the stock one that judge traces (its --variant), each with the model
    /// profile that stands for it: seed 003's MAP_REFPAGE as posted. (The strdup variant runs the fork benchmark only.)
    /// </summary>
    public static readonly IReadOnlyDictionary<string, KernelProfile> Variants = new Dictionary<string, KernelProfile>
    {
        // The patch makes the image a little larger, and the guest has one page of RAM less: an mmap of 125,993 pages
        // is accounted there and one of 125,994 is ENOMEM (MemTotal 503972 kB).
        ["refpage"] = KernelProfile.Linux612.WithRefPage(RefPageRules.Posted) with { TotalRamPages = 503972 / 4 },
    };

    /// <summary>The judge, or null with the reason it cannot run here (no QEMU, no kernel image). variant: a key of <see cref="Variants"/>, or null for the stock kernel.</summary>
    public static QemuJudge? TryCreate(out string whyNot, string? variant = null)
    {
        if (variant is not null && !Variants.ContainsKey(variant))
            throw new ArgumentException($"unknown kernel variant '{variant}' (known: {string.Join(", ", Variants.Keys)})");
        whyNot = "";
        if (!Shell.OnPath("qemu-system-x86_64"))
        {
            whyNot = "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
            return null;
        }
        string[] args = variant is null ? ["--print-path"] : ["--print-path", "--variant", variant];
        var r = Shell.Run(Path.Combine(RepoPaths.Oracle, "build-kernel.sh"), args, TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0 || !File.Exists(r.Stdout.Trim()))
        {
            whyNot = $"no Linux 6.12 image{(variant is null ? "" : $" of the {variant} variant")} is built; build it once (about 10 minutes) with: " +
                     BuildCommand + (variant is null ? "" : $" --variant {variant}");
            return null;
        }
        EnsureExecutor();
        return variant is null ? new QemuJudge(r.Stdout.Trim(), "qemu-6.12", KernelProfile.Linux612)
            : new QemuJudge(r.Stdout.Trim(), $"qemu-6.12-{variant}", Variants[variant]);
    }

    // A call takes a few ms under TCG: allow ten times that, so a busy machine is not mistaken for a hang.
    protected override TimeSpan BatchTimeout(int traceCount, long callCount) =>
        TimeSpan.FromSeconds(Math.Min(6 * 3600, 60 + traceCount + callCount / 10));

    /// <summary>
    /// Makes the saved guest every session restores, if it is missing (serve.sh --prepare; .ci/install does it once per
    /// kernel and executor): whether it was made now, and how long that took, so a session's start is a restore.
    /// </summary>
    public (bool Made, TimeSpan Took) PrepareSavedGuest()
    {
        var r = Shell.Run(Path.Combine(RepoPaths.Oracle, "serve.sh"), ["--kernel", kernel, "--prepare"], TimeSpan.FromMinutes(5));
        string line = r.Stdout.Trim();
        if (r.ExitCode != 0 || !(line.StartsWith("made ") || line.StartsWith("present ")))
            throw new InvalidOperationException($"serve.sh --prepare failed (exit {r.ExitCode}): {r.Stderr.Trim()}");
        return (line.StartsWith("made "), r.Elapsed);
    }

    /// <summary>A guest restored from the saved state of one booted to its first batch (serve.sh boots and saves it the first time).</summary>
    protected override ExecutorSession StartSession() =>
        new(Path.Combine(RepoPaths.Oracle, "serve.sh"), ["--kernel", kernel], Name, TimeSpan.FromMinutes(5), greet: true);
}
