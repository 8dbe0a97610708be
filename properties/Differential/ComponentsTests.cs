using System.Text.RegularExpressions;
using AnonVma.Judges;

namespace AnonVma.Properties.Differential;

/// <summary>A missing component skips with the one install command on a newcomer's machine and fails in CI, and that command installs it.</summary>
public class ComponentsTests
{
    [Fact]
    public void A_missing_component_skips_with_the_install_command()
    {
        var e = Components.Missing("Chromium", "chromium is not installed", required: false);
        var skip = Assert.IsType<SkipException>(e);
        Assert.Equal("needs Chromium: chromium is not installed; install it with: bash .ci/install", skip.Message);
    }

    [Fact]
    public void With_ANONVMA_REQUIRE_KERNELS_a_missing_component_fails()
    {
        var e = Components.Missing("Linux 6.12 under QEMU", "no Linux 6.12 image is built", required: true);
        Assert.IsType<InvalidOperationException>(e);
        Assert.Equal("ANONVMA_REQUIRE_KERNELS=1 but Linux 6.12 under QEMU is missing: no Linux 6.12 image is built", e.Message);
    }

    [Fact]
    public void The_install_command_installs_every_component_the_tests_skip_for()
    {
        Assert.Equal("bash .ci/install", Components.InstallCommand);
        var script = File.ReadAllText(Path.Combine(RepoPaths.Root, ".ci", "install"));
        var pkgs = Regex.Match(script, @"(?m)^pkgs=\(([^)]*)\)");
        Assert.True(pkgs.Success, ".ci/install has no pkgs=(…) line");
        var names = pkgs.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // gcc, make and libc6-dev build the static executor; qemu-system-x86 and linux-source-6.12 (with its build
        // tools) make the 6.12 judge; chromium checks reports; each re-implementation's package gives its judge.
        Assert.Subset(names.ToHashSet(), new[] { "gcc", "make", "libc6-dev", "qemu-system-x86", "linux-source-6.12", "chromium" }
            .Concat(AnonVma.Judges.ImplementationJudge.All.Select(i => i.Package)).ToHashSet());
        Assert.Matches(@"(?m)^tools/qemu/build-kernel\.sh\s*$", script);
    }

    [Fact]
    public void CI_sets_ANONVMA_REQUIRE_KERNELS_and_fails_on_any_skip()
    {
        var run = File.ReadAllText(Path.Combine(RepoPaths.Root, ".ci", "run"));
        Assert.Contains("export ANONVMA_REQUIRE_KERNELS=1", run);
        Assert.Matches(@"if \[ ""\$skipped"" -ne 0 \]; then .*exit 1; fi", run);
    }
}
