using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// Linux 6.12 with CONFIG_ANON_VMA_NAME=y, booted under QEMU with the executor as /init (tools/qemu). One boot runs
/// one batch; a hung boot is killed by run-batch.sh's timeout and its traces come back Lost.
/// </summary>
public sealed class QemuJudge : ExecutorJudge
{
    /// <summary>The one command that builds the image this judge needs.</summary>
    public const string BuildCommand = "tools/qemu/build-kernel.sh";

    readonly string kernel;

    QemuJudge(string kernel) => this.kernel = kernel;

    public override string Name => "qemu-6.12";
    public override KernelProfile Profile => KernelProfile.Linux612;

    /// <summary>The judge, or null with the reason it cannot run here (no QEMU, no kernel image).</summary>
    public static QemuJudge? TryCreate(out string whyNot)
    {
        whyNot = "";
        if (!OnPath("qemu-system-x86_64"))
        {
            whyNot = "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
            return null;
        }
        var r = Shell.Run(Path.Combine(RepoPaths.Oracle, "build-kernel.sh"), ["--print-path"], TimeSpan.FromSeconds(30));
        if (r.ExitCode != 0 || !File.Exists(r.Stdout.Trim()))
        {
            whyNot = $"no Linux 6.12 image is built; build it once (about 5 minutes) with: {BuildCommand}";
            return null;
        }
        EnsureExecutor();
        return new QemuJudge(r.Stdout.Trim());
    }

    protected override string MemoryLimit => "the guest's RAM, -m 512 in tools/qemu/run-batch.sh";

    protected override Shell.Result Execute(string batchPath, int traceCount, long callCount)
    {
        // Boot ~2 s; a call takes ~3 ms under TCG: allow ten times that, so a busy machine is not mistaken for a hang.
        int seconds = (int)Math.Min(6 * 3600, 60 + traceCount + callCount / 30);
        return Shell.Run(Path.Combine(RepoPaths.Oracle, "run-batch.sh"),
            [batchPath, "--timeout", seconds.ToString(), "--kernel", kernel], TimeSpan.FromSeconds(seconds + 30), Cancellation);
    }

    static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));
}
