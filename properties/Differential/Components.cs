using AnonVma.Campaign.Report;

namespace AnonVma.Properties.Differential;

/// <summary>
/// What a test does when this machine lacks something it needs (gcc, QEMU and the 6.12 image, Chromium): on a
/// newcomer's machine it skips, naming the reason and the one command that installs everything; in CI
/// (ANONVMA_REQUIRE_KERNELS=1, set by .ci/run) it fails, so nothing is silently left untested.
/// </summary>
public static class Components
{
    /// <summary>The one command that installs every component the tests need (.ci/install: apt packages and the 6.12 image).</summary>
    public const string InstallCommand = "bash .ci/install";

    /// <summary>Set by .ci/run: a missing component fails the test instead of skipping it.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("ANONVMA_REQUIRE_KERNELS") == "1";

    /// <summary>The exception a test throws when `component` is missing: a skip here, a failure when `required`.</summary>
    public static Exception Missing(string component, string why, bool required) =>
        required
            ? new InvalidOperationException($"ANONVMA_REQUIRE_KERNELS=1 but {component} is missing: {why}")
            : new SkipException($"needs {component}: {why}; install it with: {InstallCommand}");

    /// <summary>Throws <see cref="Missing"/> for this run (skip, or fail in CI).</summary>
    public static void Need(bool present, string component, string why)
    {
        if (!present) throw Missing(component, why, Required);
    }

    /// <summary>Headless Chromium for the report checks.</summary>
    public static void Chromium() =>
        Need(ChromiumCheck.Find() is not null, "Chromium", "chromium is not installed (neither /usr/bin/chromium nor on PATH)");

    /// <summary>A re-implementation's judge (gVisor, QEMU user mode), or the skip or failure that says why it cannot run.</summary>
    public static AnonVma.Judges.ImplementationJudge Implementation(AnonVma.Judges.ImplementationJudge.Implementation what)
    {
        ExecutorToolchain();
        var judge = AnonVma.Judges.ImplementationJudge.TryCreate(what, out var whyNot);
        Need(judge is not null, what.Title, whyNot);
        return judge!;
    }

    /// <summary>gcc and make, which build the executor every real-kernel test runs.</summary>
    public static void ExecutorToolchain()
    {
        var missing = new[] { "gcc", "make" }.Where(t => OnPath(t) is null).ToList();
        Need(missing.Count == 0, "gcc and make (to build tools/executor)", $"{string.Join(" and ", missing)} not on PATH");
    }

    /// <summary>`cc` for the C reproducers: its full path.</summary>
    public static string CCompiler()
    {
        var cc = OnPath("cc");
        Need(cc is not null, "a C compiler", "cc is not on PATH");
        return cc!;
    }

    /// <summary>The full path of `exe` in a PATH folder, or null.</summary>
    public static string? OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Where(d => d.Length > 0).Select(d => Path.Combine(d, exe)).FirstOrDefault(File.Exists);
}
