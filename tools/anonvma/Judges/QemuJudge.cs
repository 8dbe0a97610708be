using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// Linux 6.12 with CONFIG_ANON_VMA_NAME=y, booted under QEMU (microvm, TCG) with the executor as /init serving batch
/// after batch on a virtio-serial port (tools/qemu/serve.sh): one boot for many batches. A batch that does not finish
/// in time (a hung guest) kills the guest: its traces come back Lost, and the next batch boots a fresh one.
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
    /// <param name="freshViews">Read every process after every call (<see cref="ExecutorJudge.FreshViews"/>).</param>
    public static QemuJudge? TryCreate(out string whyNot, bool freshViews = false)
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
        return new QemuJudge(r.Stdout.Trim()) { FreshViews = freshViews };
    }

    protected override string MemoryLimit => "the guest's RAM, -m 512 in tools/qemu/serve.sh";

    protected override ExecutorSession StartSession() =>
        ExecutorSession.Start(Path.Combine(RepoPaths.Oracle, "serve.sh"), ["--kernel", kernel], Name, TimeSpan.FromSeconds(120));

    // A call takes a few ms under TCG: allow ten times that, so a busy machine is not mistaken for a hang.
    protected override TimeSpan BatchTimeout(int traceCount, long callCount) =>
        TimeSpan.FromSeconds(Math.Min(6 * 3600, 60 + traceCount + callCount / 10));

    static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));
}
