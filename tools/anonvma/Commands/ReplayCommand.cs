using System.CommandLine;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>
/// `replay TRACE`: runs a trace file on the model and real kernels and shows every call with each judge's result,
/// the caller's maps after it, and a line diff wherever the model and a kernel disagree; it also holds the judges to
/// the file's own expectations and the model to its invariants. With --repeat N each kernel runs the trace N times
/// and the listing gives way to its distinct outcomes, each compared with the model (run once). Exit 0 when all is
/// well, 1 otherwise (with --repeat, also when any one run differs from the model).
/// </summary>
public sealed class ReplayCommand : CliCommand
{
    readonly Argument<string> trace = new("TRACE") { Description = "the trace file" };
    readonly Option<IReadOnlyList<string>?> on = TypedOption.List("--on", "LIST", [.. JudgeNames.All, .. JudgeNames.Variants],
        "the judges: model, native (this machine's kernel), qemu (Linux 6.12), qemu-refpage (Linux 6.12 with MAP_REFPAGE ported, its kernel log read and predicted), gvisor and qemu-user (re-implementations, judged with this machine's kernel's profile); default model,native. The model runs once per kernel, with that kernel's profile");
    readonly Option<string?> profileName = TypedOption.Text("--profile", "NAME",
        "the model's profile when it runs alone (--on model): linux-6.12, host-6.18 or this machine's release; default the file's '# profile:' header, else linux-6.12");
    readonly Option<int?> stepAt = TypedOption.Int("--step",
        "stop after call N (from 0) and print the full state: every live process's maps, the caller's smaps", 0, int.MaxValue);
    readonly Option<bool> maps = TypedOption.Flag("--maps", "after each call, print the caller's maps (the default)");
    readonly Option<bool> smaps = TypedOption.Flag("--smaps", "after each call, print the caller's smaps instead of its maps");
    readonly Option<int?> repeats = TypedOption.Int("--repeat",
        $"run the trace N times ({MinRepeat} to {MaxRepeat}) on each kernel of --on, in one batch (one QEMU guest), " +
        "and the model once; instead of the call listing, print each kernel's distinct outcomes (results, maps " +
        "and compared smaps after every call), how many runs gave each, whether each agrees with the model, and " +
        "where each first differs from the most common one: a stable difference or one that depends on " +
        "scheduling. With --step N the runs stop after call N. Exit 1 if any run differs from the model", MinRepeat, MaxRepeat);
    readonly Option<Mutations?> mutate = TypedOption.Mutation();

    public ReplayCommand() : base("replay", "run a trace file on the model and real kernels, call by call, and show where they differ") =>
        Add(trace, on, profileName, stepAt, maps, smaps, repeats, mutate);

    public override int Run(ParseResult args, CliContext context)
    {
        string path = args.GetValue(trace)!;
        var names = args.GetValue(on) ?? ["model", "native"];
        if (args.GetValue(maps) && args.GetValue(smaps)) throw new UsageException("choose one of --maps and --smaps");
        int? repeat = args.GetValue(repeats);
        if (repeat is not null && names.All(n => n == "model"))
            throw new UsageException("--repeat runs each kernel of --on several times; add native or qemu to --on");
        if (repeat is not null && (args.GetValue(maps) || args.GetValue(smaps)))
            throw new UsageException("--maps and --smaps choose what the call listing shows; with --repeat there is no listing");
        bool model = names.Contains("model");
        if (args.GetValue(profileName) is not null && (!model || names.Count > 1))
            throw new UsageException("--profile sets the model's profile when it runs alone (--on model); next to a kernel the model takes the kernel's profile");
        var mutations = args.GetValue(mutate);
        if (mutations is not null && !model) throw new UsageException("--mutate changes the model; add model to --on");

        var doc = TraceInput.Load(path);
        int? step = args.GetValue(stepAt);
        if (step >= doc.Trace.Calls.Count)
            throw new UsageException($"--step {step}: the trace has {doc.Trace.Calls.Count} calls (0 to {doc.Trace.Calls.Count - 1})");
        if (step is { } last)
            doc = doc with
            {
                Trace = doc.Trace with { Calls = doc.Trace.Calls.Take(last + 1).ToList() },
                Expected = doc.Expected.Take(last + 1).ToList(),
            };

        // The columns, in order: each kernel after the model of its profile; pairs are what gets compared.
        var kernels = names.Where(n => n != "model").Select(JudgeNames.Kernel).ToList();
        var columns = new List<IJudge>();
        var pairs = new List<(IJudge Left, IJudge Right)>();
        if (model && kernels.Count == 0)
        {
            var profile = args.GetValue(profileName) is { } p ? JudgeNames.Profile(p, "--profile")
                : doc.Get("profile") is { } h ? JudgeNames.Profile(h, $"{path}: the '# profile:' header")
                : KernelProfile.Linux612;
            columns.Add(new ModelJudge(profile) { Mutations = mutations });
        }
        foreach (var k in kernels)
        {
            if (model)
            {
                var m = ModelJudge.Beside(k, mutations);
                columns.Add(m);
                pairs.Add((m, k));
            }
            else if (columns.Count > 0) pairs.Add((columns[0], k));
            columns.Add(k);
        }

        // With --repeat each kernel runs N copies in one batch; its first run stands for it in the per-judge checks.
        var runs = columns.ToDictionary(j => j, j => RunsOf(j, doc.Trace, j is ModelJudge ? 1 : repeat ?? 1));
        var replay = new Replay(path, doc, columns, columns.Select(j => runs[j][0]).ToList());
        if (replay.Runs.All(r => r.End == RunEnd.Rejected))
            throw new InputException($"{path}: the judges refuse this trace: {replay.Runs[0].Detail}");
        replay.Compare(pairs);
        replay.CheckExpectations();
        if (repeat is not null) replay.GroupRepeats(kernels.Select(k => (k, runs[k])).ToList(), pairs);
        // The invariants on every model profile here, and on the file's own profile (a saved invariant finding's).
        var profiles = columns.OfType<ModelJudge>().Select(m => m.Profile).ToList();
        if (model && doc.Get("profile") is { } named && KernelProfile.ByName(named) is { } own && !profiles.Any(p => JudgeNames.Matches(p, named)))
            profiles.Add(own);
        replay.CheckInvariants(profiles.Distinct().ToList(), mutations);
        new ReplayPrinter(context.Out, context.Colour, args.GetValue(smaps)).Print(replay, step);
        return replay.AllWell ? ExitCode.Ok : ExitCode.Differs;
    }

    const int MinRepeat = 1, MaxRepeat = 1000;

    /// <summary>
    /// A judge's n runs of the trace, as one batch of n copies (so one QEMU guest runs them all), each given the trace's own id back.
    /// A model that throws is a crash the replay must show, not end on: the calls before the one that threw are run
    /// again on their own, so the listing still has them.
    /// </summary>
    static IReadOnlyList<TraceRun> RunsOf(IJudge judge, Trace trace, int n)
    {
        try
        {
            var copies = n == 1 ? [trace] : Enumerable.Range(1, n).Select(k => trace with { Id = $"{trace.Id}.run{k}" }).ToList();
            return judge.Run(copies).Select(r => r with { TraceId = trace.Id }).ToList();
        }
        catch (Exception e) when (judge is ModelJudge)
        {
            string detail = $"the model threw {e.GetType().Name}: {e.Message}";
            for (int k = trace.Calls.Count - 1; k >= 0; k--)
            {
                try
                {
                    var prefix = judge.Run([trace with { Calls = trace.Calls.Take(k).ToList() }])[0];
                    return [prefix with { End = RunEnd.Crash, Detail = $"{detail} (at call {k})" }];
                }
                catch (Exception) { }
            }
            return [new TraceRun(trace.Id, RunEnd.Crash, detail, [])];
        }
        catch (InvalidOperationException e)
        {
            throw new InputException($"{judge.Name} could not run the trace: {e.Message}");
        }
    }
}
