using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>
/// How commands name judges and profiles ("model", "native", "qemu", and the re-implementations "gvisor" and
/// "qemu-user"; "linux-6.12", "host-6.18" or this machine's release), and the one place that turns a judge that cannot
/// run here into a clear error (exit 2).
/// </summary>
public static class JudgeNames
{
    public static readonly IReadOnlyList<string> All = ["model", "native", "qemu", .. ImplementationJudge.All.Select(i => i.Key)];

    /// <summary>
    /// The kernels that stand for a profile no real kernel has ("qemu-refpage": Linux 6.12 with MAP_REFPAGE ported), each
    /// read with its log: for replaying a trace of that profile, not for campaigns (QemuJudge.Variants).
    /// </summary>
    public static readonly IReadOnlyList<string> Variants = [.. QemuJudge.Variants.Keys.Select(k => "qemu-" + k)];

    /// <summary>Where a judge goes in every listing: model, native, qemu (and its variants), then the re-implementations.</summary>
    public static int Order(string judge) => judge switch { "model" => 0, "native" => 1, "qemu" => 2, _ when Variants.Contains(judge) => 2, _ => 3 };

    /// <summary>The --judges of fuzz and campaign in that order; both always check the model, so it must be listed.</summary>
    public static List<string> WithModel(IReadOnlyList<string> judges, string who) => judges.Contains("model")
        ? [.. judges.OrderBy(Order)]
        : throw new UsageException($"--judges: {who} always checks the model, so list it too (e.g. model,{string.Join(',', judges)})");

    /// <summary>A real kernel judge by name; throws InputException with the reason when it cannot run here.</summary>
    public static IJudge Kernel(string name)
    {
        switch (name)
        {
            case "native":
                try { return NativeJudge.Create(); }
                catch (InvalidOperationException e) { throw new InputException($"the native judge cannot run on this machine: {e.Message}"); }
            case "qemu":
                if (QemuJudge.TryCreate(out var why) is { } qemu) return qemu;
                throw new InputException($"the qemu judge (Linux 6.12 under QEMU) is unavailable: {why}" +
                    (why.Contains(QemuJudge.BuildCommand) ? "" : $"\nthen build the kernel image once with: {QemuJudge.BuildCommand}"));
            case var v when Variants.Contains(v):
                if (QemuJudge.TryCreate(out var whyVariant, v["qemu-".Length..]) is { } variant)
                {
                    variant.KernelLog = true;
                    return variant;
                }
                throw new InputException($"the {v} judge is unavailable: {whyVariant}");
            default:
                if (ImplementationJudge.ByKey(name) is not { } what) throw new ArgumentException($"'{name}' is not a kernel judge");
                try
                {
                    if (ImplementationJudge.TryCreate(what, out var whyNot) is { } judge) return judge;
                    throw new InputException($"the {name} judge ({what.Title}) is unavailable: {whyNot}");
                }
                catch (InvalidOperationException e) { throw new InputException($"the {name} judge cannot run on this machine: {e.Message}"); }
        }
    }

    /// <summary>A profile by name: a known one (linux-6.12, host-6.18) or this machine's kernel release, probed.</summary>
    public static KernelProfile Profile(string name, string where)
    {
        if (KernelProfile.ByName(name) is { } known) return known;
        if (name == ThisRelease()) return Kernel("native").Profile;
        throw new UsageException($"{where}: unknown profile '{name}' (known: {string.Join(", ", KernelProfile.All.Select(p => p.Name))}, " +
                                 $"or this machine's kernel {ThisRelease() ?? "(unknown)"})");
    }

    /// <summary>
    /// Whether a judge runs the profile a trace file's header names: the same name, or a known profile that differs
    /// from the judge's (probed) one only in what varies between machines (<see cref="KernelProfile.SameKernelAs"/>).
    /// </summary>
    public static bool Matches(KernelProfile judge, string header) =>
        judge.Name == header || KernelProfile.ByName(header) is { } p && p.SameKernelAs(judge);

    static string? ThisRelease()
    {
        try { return File.ReadAllText("/proc/sys/kernel/osrelease").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
