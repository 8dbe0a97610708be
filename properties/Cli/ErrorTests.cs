using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Cli;

/// <summary>Mistakes get one clear line and exit 2: malformed traces (file:line:col, no stack), missing files, unknown commands.</summary>
public class ErrorTests
{
    const string Head = "anonvma-trace 1\ntrace t\narena 0x200000000000 0x10000\n";

    public static TheoryData<string, string> Malformed => new()
    {
        { Head + "p0: mumap(0x200000000000, 0x1000)\n",
          "4:5: expected a call (mmap, munmap, mremap, mprotect, mlock, mlock2, munlock, mlockall, munlockall, madvise, prctl, read, write, store, fork, exit, memfd_create, file, setcreds), found 'mumap'" },
        { Head + "p0: munmap(0x200000000000)\n", "4:26: expected ',' after the address (munmap takes 2 arguments), found ')'" },
        { Head + "p0: munmap(0x2000g0000000, 0x1000)\n", "4:12: expected a number for the address, found '0x2000g0000000'" },
        { Head + "p0: mmap(0x200000000000, 0x1000, PROT_READ|MAP_FIXED, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)\n",
          "4:44: expected a PROT_ name or a number for prot, found 'MAP_FIXED'" },
        { Head + "p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"heap)\n",
          "4:75: expected '\"' to end the string opened at column 69, found end of line" },
        { Head + "p0: munmap(0x200000000000, 0x1000) = -einval\n",
          "4:38: expected a result like 0, 0x200000000000, -EINVAL, SIGSEGV, p1, h0, ok or ESCAPED, found '-einval'" },
        { Head + "p8: fork()\n", "4:1: expected a process p0 to p7, found 'p8'" },
        { "anonvma-trace 2\ntrace t\n", "1:15: expected version 1, found version 2 (this reader knows 'anonvma-trace 1' only)" },
        { "anonvma-trace 1\ntrace t\np0: fork()\n", "3:1: expected 'arena <base> <size>' before the first call, found 'p0'" },
        { Head + "| 200000000000-200000001000 rw-p 00000000 00:00 0 \n",
          "4:1: expected a 'maps pN:' line before the first '| ' line of its block, found '|'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void A_malformed_trace_gives_exactly_the_syntax_error_and_exit_2(string text, string where)
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "bad.trace");
            File.WriteAllText(path, text);
            foreach (var r in new[] { Run("replay", path, "--on", "model"), Run("print", path) })
            {
                Assert.Equal(2, r.Code);
                Assert.Equal($"{path}:{where}\n", r.Err);
                Assert.DoesNotContain("   at ", r.Err);
                Assert.Equal("", r.Out);
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var r = Run("replay", "no/such/file.trace");
        Assert.Equal(2, r.Code);
        Assert.Equal("anonvma: no/such/file.trace: no such file\n", r.Err);
        Assert.Equal(2, Run("print", "no/such/file.trace").Code);
    }

    [Fact]
    public void Unknown_commands_and_options_are_named()
    {
        var r = Run("frob", "x");
        Assert.Equal(2, r.Code);
        Assert.StartsWith("anonvma: unknown command 'frob' (commands: campaign, designs, export-c, fuzz, help, merge, print, record, refpage, replay, report)\n", r.Err);
        var o = Run("replay", Example("name-middle.trace"), "--frob");
        Assert.Equal(2, o.Code);
        Assert.StartsWith("anonvma: unknown option '--frob' for replay\n", o.Err);
        var v = Run("replay", Example("name-middle.trace"), "--on", "model,vax");
        Assert.Equal(2, v.Code);
        Assert.StartsWith("anonvma: option --on: unknown 'vax' (choose from model, native, qemu, gvisor, qemu-user, qemu-refpage)\n", v.Err);
        var t = Run("fuzz", "--time", "soon");
        Assert.Equal(2, t.Code);
        Assert.StartsWith("anonvma: option --time expects a duration like 60s, 5m or 1h, found 'soon'\n", t.Err);
        var n = Run("replay");
        Assert.Equal(2, n.Code);
        Assert.StartsWith("anonvma: replay needs TRACE\n", n.Err);
        var m = Run("replay", Example("name-middle.trace"), "--on");
        Assert.Equal(2, m.Code);
        Assert.StartsWith("anonvma: option --on needs a value (LIST)\n", m.Err);
        var before = Run("--frob", "replay");
        Assert.Equal(2, before.Code);
        Assert.StartsWith("anonvma: unknown option '--frob' before the command\n", before.Err);
        var extra = Run("print", Example("name-middle.trace"), "more");
        Assert.Equal(2, extra.Code);
        Assert.StartsWith("anonvma: unexpected argument 'more' for print\n", extra.Err);
        foreach (var e in new[] { r, o, v, t, n, m, before, extra })
        {
            Assert.DoesNotContain("   at ", e.Err);
            Assert.Equal("", e.Out);
            Assert.Equal(2, e.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the problem and the hint, nothing more
        }
    }

    [Fact]
    public void Help_and_no_arguments_list_every_command()
    {
        foreach (var args in new[] { Array.Empty<string>(), ["--help"], ["help"] })
        {
            var r = Run(args);
            Assert.Equal(0, r.Code);
            foreach (var c in AnonVma.Cli.CommandLine.Tree().Subcommands)
                Assert.Matches($@"(?m)^  {c.Name}( <\w+>)? +{System.Text.RegularExpressions.Regex.Escape(c.Description!)}$", r.Out);
            Assert.Contains("exit codes: 0 the judges agree", r.Out);
        }
        foreach (var args in new[] { new[] { "replay", "--help" }, ["replay", "-h"], ["help", "replay"] })
        {
            var one = Run(args);
            Assert.Equal(0, one.Code);
            Assert.Contains("anonvma replay <TRACE> [options]", one.Out);
            Assert.Contains("--on <LIST>", one.Out);
            Assert.Contains("--no-color", one.Out);
        }
        var unknown = Run("help", "frob");
        Assert.Equal(2, unknown.Code);
        Assert.StartsWith("anonvma: unknown command 'frob'\n", unknown.Err);
    }

    [Fact]
    public void Print_gives_the_canonical_text()
    {
        string path = Example("mlock-fork.trace");
        var r = Run("print", path);
        Assert.Equal(0, r.Code);
        Assert.Equal(File.ReadAllText(path), r.Out);
    }

    [Theory]
    [InlineData("60s", 60)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    [InlineData("500ms", 0.5)]
    [InlineData("90", 90)]
    [InlineData("2.5s", 2.5)]
    public void Durations(string text, double seconds) => Assert.Equal(TimeSpan.FromSeconds(seconds), AnonVma.Cli.TypedOption.ParseDuration(text));

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("5d")]
    [InlineData("0")]
    public void Bad_durations(string text) => Assert.Null(AnonVma.Cli.TypedOption.ParseDuration(text));
}
