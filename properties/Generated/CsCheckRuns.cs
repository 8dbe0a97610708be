using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Model;
using CsCheck;
using Xunit.Abstractions;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The same invariant property under CsCheck, which a user time-boxes and reseeds from the environment:
/// CsCheck_Time=600 runs it for ten minutes, CsCheck_Seed=... replays the seed a failure printed.
/// </summary>
public class CsCheckRuns(ITestOutputHelper output)
{
    [Fact]
    public void Every_invariant_holds_on_both_profiles_time_boxed_by_CsCheck_Time() =>
        CsCheckProperty.Holds(null, Environment.GetEnvironmentVariable("CsCheck_Iter") is null ? 1000 : -1, output.WriteLine);
}

/// <summary>The CsCheck invariant property itself: CsCheck samples and shrinks with a cheap check, then its smallest failure is explained once.</summary>
public static class CsCheckProperty
{
    /// <summary>The property, on a mutated model when a test asks; failures are saved under `directory` (traces/found by default).</summary>
    public static void Holds(Mutations? mutations, long iter, Action<string> writeLine, string? directory = null)
    {
        var smallest = new SmallestFailure();
        try
        {
            // The predicate only checks: CsCheck samples and shrinks on its own, as often as it likes, cheaply.
            CsCheckGens.Choices().Sample(choices => smallest.Check(choices, FirstFailure(choices, mutations) is null), writeLine: writeLine, iter: iter);
        }
        catch (Exception e) when (smallest.Choices is { } choices && FirstFailure(choices, mutations) is var (trace, f, oracle, profile))
        {
            // CsCheck is done: its smallest failing example is shrunk as a trace and saved, once.
            throw new Exception(Failures.Explain(trace, f, oracle, profile.Name, "choices " + string.Join(' ', choices), directory) +
                                "\nCsCheck: " + e.Message, e);
        }
    }

    static (Trace, Finding, InvariantOracle, KernelProfile)? FirstFailure(Choice[] choices, Mutations? mutations)
    {
        foreach (var profile in KernelProfile.All)
        {
            var trace = ChoiceTraces.Realise("cscheck", choices, profile);
            var oracle = new InvariantOracle(profile, mutations);
            if (oracle.CheckOne(trace) is { } f) return (trace, f, oracle, profile);
        }
        return null;
    }
}

/// <summary>The smallest failing choices CsCheck tried (fewest, then smallest numbers), kept across its threads.</summary>
public sealed class SmallestFailure
{
    readonly object gate = new();
    Choice[]? best;

    public Choice[]? Choices { get { lock (gate) return best; } }

    /// <summary>Passes `ok` through, remembering the choices when they fail and are smaller than any failure so far.</summary>
    public bool Check(Choice[] choices, bool ok)
    {
        if (ok) return true;
        lock (gate)
            if (best is null || Size(choices).CompareTo(Size(best)) < 0) best = choices;
        return false;
    }

    static (int, long) Size(Choice[] c) => (c.Length, c.Sum(x => (long)x.Kind + x.Proc + x.Where + x.Size + x.Variant));
}
