using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Model;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AnonVma.Properties.Generated;

/// <summary>The gate: on generated choice sequences, every invariant holds after every call, on both profiles.</summary>
public class InvariantProperties
{
    [Property(MaxTest = 400)]
    public Property Every_invariant_holds_after_every_call_on_linux_6_12() => Holds(KernelProfile.Linux612);

    [Property(MaxTest = 400)]
    public Property Every_invariant_holds_after_every_call_on_host_6_18() => Holds(KernelProfile.Host618);

    /// <summary>
    /// FsCheck does not shrink the choices, so it stops at the first failing sequence, and that one is shrunk as a
    /// trace and saved, once (on a mutated model and into `directory` when a test asks).
    /// </summary>
    public static Property Holds(KernelProfile profile, Mutations? mutations = null, string? directory = null) => Prop.ForAll(FsCheckGens.Choices(), choices =>
    {
        var trace = ChoiceTraces.Realise("fscheck", choices, profile);
        var oracle = new InvariantOracle(profile, mutations);
        if (oracle.CheckOne(trace) is not { } f) return true.ToProperty();
        return false.Label(Failures.Explain(trace, f, oracle, profile.Name, "choices " + string.Join(' ', choices), directory));
    });
}
