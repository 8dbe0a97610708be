using AnonVma.Cli;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;
using Xunit.Abstractions;
using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Cli;

/// <summary>`anonvma replay`: every call and the maps after it, judges side by side, diffs, expectations and exit codes.</summary>
public class ReplayTests(ITestOutputHelper log)
{
    [Fact]
    public void On_the_model_alone_every_call_is_listed_with_its_result_and_maps()
    {
        string path = Example("name-middle.trace");
        var r = Run("replay", path, "--on", "model");
        log.WriteLine(r.Out);
        Assert.Equal(0, r.Code);
        Assert.Equal("", r.Err);
        foreach (var call in TraceText.Load(path).Trace.Calls) Assert.Contains(TraceText.Print(call), r.Out);
        Assert.Contains("model(linux-6.12)", r.Out); // the profile from the file's header
        Assert.Contains(
            "      = 0\n" +
            "      maps p0:\n" +
            "        200000000000-200000001000 rw-p 00000000 00:00 0 \n" +
            "        200000001000-200000002000 rw-p 00000000 00:00 0                          [anon:heap]\n" +
            "        200000002000-200000003000 rw-p 00000000 00:00 0 \n", r.Out);
        Assert.Contains("      p1 gone", r.Out);
        Assert.Contains("expectations: met on model(linux-6.12)", r.Out);
        Assert.Contains("invariants: hold", r.Out);
    }

    [Fact]
    public void On_the_model_and_this_machines_kernel_a_named_trace_gives_EINVAL_on_both_and_they_agree()
    {
        var r = Run("replay", Example("name-middle.trace"));
        log.WriteLine(r.Out);
        Assert.Equal(0, r.Code);
        Assert.Matches(@"(?m)^      = -EINVAL +-EINVAL$", r.Out);             // the name call, side by side
        Assert.Matches(@"(?m)^agree: model\(.+\) and native-.+, on all 8 calls$", r.Out);
        // The file's expectations are for linux-6.12, which neither judge runs.
        Assert.Contains("expectations: not checked: they are for linux-6.12", r.Out);
        Assert.DoesNotContain(">>", r.Out);
    }

    [Fact]
    public void Expectations_recorded_for_this_machine_hold_on_the_model_and_the_kernel()
    {
        var r = Run("replay", Example("mlock-fork.trace"));
        log.WriteLine(r.Out);
        Assert.Equal(0, r.Code);
        Assert.Matches(@"(?m)^expectations: met on model\(", r.Out);
        Assert.Matches(@"(?m)^expectations: met on native-", r.Out);
    }

    [Fact]
    public void A_wrong_expected_result_exits_1_and_names_the_call()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "wrong-result.trace");
            File.WriteAllText(path, File.ReadAllText(Example("mlock-fork.trace")).Replace("\"buf\") = -EINVAL", "\"buf\") = 0"));
            var r = Run("replay", path);
            log.WriteLine(r.Out);
            Assert.Equal(1, r.Code);
            const string why = "call 1 (p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x2000, \"buf\")): expected 0, observed -EINVAL";
            Assert.Matches(@"(?m)^expectations: NOT MET on native-[^:]+: " + System.Text.RegularExpressions.Regex.Escape(why) + "$", r.Out);
            Assert.Matches(@"(?m)^>>   1  p0: prctl\(", r.Out);                 // the call is marked
            Assert.Contains("the file's expectation is not met on", r.Out);
            Assert.Matches(@"(?m)^agree: ", r.Out);                               // the judges still agree with each other
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_wrong_expected_maps_block_exits_1_with_a_diff()
    {
        string dir = TempDir();
        try
        {
            string path = Path.Combine(dir, "wrong-maps.trace");
            string text = File.ReadAllText(Example("mlock-fork.trace"));
            string third = "    | 200000003000-200000004000 rw-p 00000000 00:00 0 \np0: fork()";
            Assert.Contains(third, text);
            File.WriteAllText(path, text.Replace(third, "p0: fork()"));
            var r = Run("replay", path, "--on", "model");
            log.WriteLine(r.Out);
            Assert.Equal(1, r.Code);
            Assert.Contains("call 2 (p0: mlock(0x200000001000, 0x2000)): p0 maps differ (inodes normalised)", r.Out);
            Assert.Contains("        --- expected\n        +++ observed\n", r.Out);
            Assert.Contains("        + 200000003000-200000004000 rw-p 00000000 00:00 0 \n", r.Out);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void A_disagreement_marks_the_call_and_prints_a_line_diff()
    {
        // mlock that forgets to populate: this machine's kernel shows the locked pages resident, the mutated model does not.
        var r = Run("replay", Example("mlock-fork.trace"), "--mutate", "MlockSkipsPopulate");
        log.WriteLine(r.Out);
        Assert.Equal(1, r.Code);
        Assert.Matches(@"(?m)^>>   2  p0: mlock\(0x200000001000, 0x2000\)$", r.Out);
        Assert.Matches(@"(?m)^      >> mutated-model\(.+\) vs native-.+: p0 smaps differ \(compared fields\)$", r.Out);
        Assert.Contains("        - Rss:                   0 kB\n", r.Out);
        Assert.Contains("        + Rss:                   8 kB\n", r.Out);
        Assert.Matches(@"(?m)^DIFFER: mutated-model\(.+\) and native-.+ first call 2: p0 smaps differ", r.Out);
        Assert.Contains("invariants: BROKEN at call 2", r.Out);
        Assert.DoesNotContain("\u001b", r.Out, StringComparison.Ordinal); // not a terminal: no colour
    }

    [Fact]
    public void Colour_only_on_a_terminal_and_never_with_no_color()
    {
        var coloured = Run(true, "replay", Example("mlock-fork.trace"), "--on", "model", "--mutate", "MlockSkipsPopulate");
        Assert.Equal(1, coloured.Code);
        Assert.Contains("\u001b[31m>>\u001b[0m", coloured.Out, StringComparison.Ordinal);
        var plain = Run(true, "replay", Example("mlock-fork.trace"), "--on", "model", "--mutate", "MlockSkipsPopulate", "--no-color");
        Assert.DoesNotContain("\u001b", plain.Out, StringComparison.Ordinal);
        Assert.True(AnonVma.Cli.Colour.Decide(terminal: true, noColorFlag: false, noColorEnv: null));
        Assert.False(AnonVma.Cli.Colour.Decide(terminal: true, noColorFlag: false, noColorEnv: "1"));
        Assert.True(AnonVma.Cli.Colour.Decide(terminal: true, noColorFlag: false, noColorEnv: ""));
        Assert.False(AnonVma.Cli.Colour.Decide(terminal: false, noColorFlag: false, noColorEnv: null));
    }

    [Fact]
    public void Step_stops_after_the_call_and_prints_the_full_state()
    {
        var r = Run("replay", Example("name-middle.trace"), "--on", "model", "--step", "5");
        log.WriteLine(r.Out);
        Assert.Equal(0, r.Code);
        Assert.Contains("   5  p1: mmap(", r.Out);
        Assert.DoesNotContain("   6  p1: write(", r.Out);
        Assert.Contains("state after call 5 (every live process's maps, the smaps of p1):", r.Out);
        Assert.Contains("      maps p0:\n", r.Out);
        Assert.Contains("      maps p1:\n", r.Out);
        Assert.Contains("      smaps p1:\n", r.Out);
        Assert.Contains("/memfd:m (deleted)", r.Out);
        Assert.Contains("Rss:", r.Out);
        var beyond = Run("replay", Example("name-middle.trace"), "--on", "model", "--step", "8");
        Assert.Equal(2, beyond.Code);
        Assert.Contains("--step 8: the trace has 8 calls (0 to 7)", beyond.Err);
    }

    [Fact]
    public void Smaps_after_each_call_instead_of_maps()
    {
        var r = Run("replay", Example("mlock-fork.trace"), "--on", "model", "--smaps");
        Assert.Equal(0, r.Code);
        Assert.Contains("      smaps p0:\n        200000000000-200000004000 rw-p 00000000 00:00 0 \n        Size:                 16 kB\n", r.Out);
        Assert.DoesNotContain("      maps p0:", r.Out);
    }

    [Fact]
    public void Repeat_runs_the_kernel_N_times_in_one_batch_and_counts_its_distinct_outcomes()
    {
        var r = Run("replay", Example("mlock-fork.trace"), "--repeat", "5");
        log.WriteLine(r.Out);
        Assert.Equal(0, r.Code);
        Assert.Equal("", r.Err);
        Assert.Contains("repeated: 5 runs on each kernel, as one batch; the model (deterministic) once\n", r.Out);
        Assert.Matches(@"(?m)^native-\S+: 1 distinct outcome in 5 runs$", r.Out);
        Assert.Matches(@"(?m)^  outcome 1: all 5 runs, agrees with model\(\S+\)$", r.Out);
        Assert.Matches(@"(?m)^agree: model\(\S+\) and native-\S+ in all 5 runs, on all 7 calls$", r.Out);
        Assert.Matches(@"(?m)^expectations: met on native-", r.Out);      // on every outcome
        Assert.Contains("invariants: hold", r.Out);
        Assert.DoesNotContain("   0  p0: mmap(", r.Out);                    // the outcomes instead of the call listing
    }

    [Fact]
    public void Repeat_with_a_mutated_model_counts_every_run_that_disagrees_and_exits_1()
    {
        var r = Run("replay", Example("mlock-fork.trace"), "--repeat", "4", "--mutate", "MlockSkipsPopulate");
        log.WriteLine(r.Out);
        Assert.Equal(1, r.Code);
        Assert.Matches(@"(?m)^native-\S+: 1 distinct outcome in 4 runs$", r.Out);
        Assert.Matches(@"(?m)^  outcome 1: all 4 runs, DIFFERS from mutated-model\(\S+\)$", r.Out);
        Assert.Matches(@"(?m)^      >> vs mutated-model\(\S+\) at call 2: p0 smaps differ \(compared fields\)$", r.Out);
        Assert.Contains("        - Rss:                   0 kB\n", r.Out);
        Assert.Contains("        + Rss:                   8 kB\n", r.Out);
        Assert.Matches(@"(?m)^DIFFER: mutated-model\(\S+\) and native-\S+ in 4 of 4 runs \(every outcome\), first at call 2: p0 smaps differ \(compared fields\)$", r.Out);
    }

    [Fact]
    public void Repeat_out_of_bounds_or_without_a_kernel_is_a_usage_error()
    {
        const string hint = "run 'anonvma --help' for the commands, or 'anonvma COMMAND --help' for one command's options\n";
        foreach (var n in new[] { "0", "1001", "-3", "many" })
        {
            var r = Run("replay", Example("mlock-fork.trace"), "--repeat", n);
            Assert.Equal(2, r.Code);
            Assert.Equal("", r.Out);
            Assert.Equal($"anonvma: option --repeat expects a whole number from 1 to 1000, found '{n}'\n" + hint, r.Err.ReplaceLineEndings("\n"));
        }
        var alone = Run("replay", Example("mlock-fork.trace"), "--repeat", "3", "--on", "model");
        Assert.Equal(2, alone.Code);
        Assert.Equal("anonvma: --repeat runs each kernel of --on several times; add native or qemu to --on\n" + hint, alone.Err.ReplaceLineEndings("\n"));
        var listing = Run("replay", Example("mlock-fork.trace"), "--repeat", "3", "--smaps");
        Assert.Equal(2, listing.Code);
        Assert.StartsWith("anonvma: --maps and --smaps choose what the call listing shows; with --repeat there is no listing\n", listing.Err);
        var help = Run("replay", "--help");
        Assert.Contains("--repeat <N>", help.Out);
        Assert.Contains("run the trace N times (1 to 1000) on each kernel of --on", help.Out);
    }

    /// <summary>A kernel whose runs are given, for outcomes no real kernel here produces on demand.</summary>
    sealed class Canned(KernelProfile profile) : IJudge
    {
        public string Name => "canned-kernel";
        public KernelProfile Profile => profile;
        public IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces) => throw new NotSupportedException();
    }

    [Fact]
    public void Repeated_runs_that_differ_are_grouped_with_their_counts_and_a_diff_where_they_first_differ()
    {
        // What the per-CPU LRU batches do now and then: one smaps field differs in some runs only.
        var doc = TraceText.Load(Example("mlock-fork.trace"));
        var model = new ModelJudge(KernelProfile.Host618);
        var kernel = new Canned(KernelProfile.Host618);
        var same = model.RunOne(doc.Trace);
        var steps = same.Steps.ToList();
        var p1 = steps[4].Processes.Single(p => p.Pid == 1);
        Assert.Single(p1.Smaps, "Referenced:            8 kB");
        var changed = p1 with { Smaps = p1.Smaps.Select(l => l == "Referenced:            8 kB" ? "Referenced:            4 kB" : l).ToList() };
        steps[4] = steps[4] with { Processes = steps[4].Processes.Select(p => p.Pid == 1 ? changed : p).ToList() };
        var odd = same with { Steps = steps };
        Assert.NotEqual(Comparison.Observed(same), Comparison.Observed(odd));
        Assert.Equal(Comparison.Observed(same), Comparison.Observed(model.RunOne(doc.Trace)));

        var replay = new Replay("mlock-fork.trace", doc, [model, kernel], [same, odd]);
        replay.Compare([(model, kernel)]);
        replay.GroupRepeats([(kernel, [odd, same, same, odd, same, same])], [(model, kernel)]);
        var o = new StringWriter();
        new ReplayPrinter(o, new Colour(false), smaps: false).Print(replay, null);
        log.WriteLine(o.ToString());
        string text = o.ToString();
        Assert.False(replay.AllWell);
        Assert.Contains("canned-kernel: 2 distinct outcomes in 6 runs\n", text);
        Assert.Contains($"  outcome 1: 4 of 6 runs (runs 2-3, 5-6), agrees with {model.Name}\n", text);
        Assert.Contains($"  outcome 2: 2 of 6 runs (runs 1, 4), DIFFERS from {model.Name}\n", text);
        Assert.Contains("      >> vs outcome 1 at call 4: p1 smaps differ (compared fields)\n" +
                        "        --- outcome 1\n" +
                        "        +++ outcome 2\n", text);
        Assert.Contains("        - Referenced:            8 kB\n        + Referenced:            4 kB\n", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "- Referenced: "));
        Assert.Contains($"      >> vs {model.Name} at call 4: p1 smaps differ (compared fields), the same difference\n", text); // no second diff
        Assert.Contains($"DIFFER: {model.Name} and canned-kernel in 2 of 6 runs (1 of 2 outcomes), first at call 4: p1 smaps differ (compared fields)\n", text);
    }
}
