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
    public void Every_invariant_holds_on_both_profiles_time_boxed_by_CsCheck_Time()
    {
        CsCheckGens.Choices().Sample(choices =>
        {
            foreach (var profile in KernelProfile.All)
            {
                var trace = Realiser.Realise("cscheck", choices, profile);
                var oracle = new InvariantOracle(profile);
                if (oracle.CheckOne(trace) is { } f)
                    throw new Exception(Failures.Explain(trace, f, oracle, profile.Name, "choices " + string.Join(' ', choices)));
            }
        }, writeLine: output.WriteLine, iter: Environment.GetEnvironmentVariable("CsCheck_Iter") is null ? 1000 : -1);
    }
}
