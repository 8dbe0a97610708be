using AnonVma.Traces.Generate;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Fuzz;

/// <summary>
/// The model against a real kernel, call by call: the kernel is the ground truth, so its side is what was expected
/// (against a re-implementation of Linux, the model of Linux is what was expected).
/// A trace the kernel could not run to the end for reasons of its own (a timeout, a lost run) is reported too, when a
/// second run ends the same way.
/// </summary>
/// <param name="judge">How findings name the kernel ("native", "qemu"); by default from the judge's type.</param>
public sealed class DifferentialOracle(IJudge kernel, Mutations? mutations = null, string? judge = null) : IOracle
{
    readonly string judgeKey = judge ?? kernel switch { NativeJudge => "native", QemuJudge => "qemu", _ => kernel.Name };

    readonly ModelJudge model = new(kernel.Profile) { Mutations = mutations };

    public string Name => $"{model.Name} vs {kernel.Name}";

    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces) => Check(traces, model.Run(traces));

    /// <summary>Whether a generator's one pass on this profile with these mutations observed what the model would.</summary>
    public bool CanReuse(GeneratedTrace g) => g.Observed is not null && g.Profile == kernel.Profile && g.Mutations == mutations;

    /// <summary>Compares the kernel with model runs already made (by the generator's one pass); each must be what <see cref="ModelJudge"/> gives.</summary>
    public IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces, IReadOnlyList<TraceRun> ours)
    {
        var theirs = kernel.Run(traces).ToArray();
        // A run the kernel timed out or lost says more about this machine's load at that moment than about the kernel:
        // those traces run once more, alone, and only a second such end counts.
        var again = Enumerable.Range(0, traces.Count).Where(i => theirs[i].End is RunEnd.Timeout or RunEnd.Lost).ToList();
        if (again.Count > 0)
        {
            var rerun = kernel.Run(again.Select(i => traces[i]).ToList());
            for (int k = 0; k < again.Count; k++) theirs[again[k]] = rerun[k];
        }
        var found = new Finding?[traces.Count];
        for (int i = 0; i < traces.Count; i++)
        {
            if (ours[i].End == RunEnd.Rejected) continue;
            var expected = kernel is ImplementationJudge impl ? impl.WithoutMissing(ours[i]) : ours[i];
            if (Comparison.FirstDifference(traces[i], model.Name, expected, kernel.Name, theirs[i]) is not { } d) continue;
            int at = d.CallIndex < 0 ? traces[i].Calls.Count - 1 : d.CallIndex;
            // A trace the executor refused is a finding of its own kind, never a reproduction of a difference at a
            // call: a shrinker that drops the memfd_create a later mmap names must not take the refusal for the bug.
            string kind = theirs[i].End == RunEnd.Rejected ? "rejected"
                : at >= 0 && at < traces[i].Calls.Count ? Realiser.Kind(traces[i].Calls[at]) : "end";
            // A kernel is the ground truth the model is held to; a re-implementation is held to Linux, which the model
            // of this machine's kernel stands for.
            var (expectedText, observedText, labels) = kernel is ImplementationJudge
                ? (d.Left, d.Right, ($"expected (Linux: {model.Name})", $"observed ({kernel.Name})"))
                : (d.Right, d.Left, ($"expected ({kernel.Name}, the kernel)", $"observed ({model.Name})"));
            found[i] = new Finding(new Differs(d.Kind), kind, at, judgeKey, Name, d.What, expectedText, observedText)
            {
                Report = d.Report(), Labels = labels,
            };
        }
        return found;
    }
}
