using AnonVma.Fuzz;
using AnonVma.Traces.Generate;
using AnonVma.Properties.Differential;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The gate against this machine's kernel: on generated choice sequences the model agrees with it call by call
/// (results, maps and smaps of every process). The start seed is fixed so that a CI run is reproducible; `fuzz` and
/// campaigns explore new seeds, and report rather than fail on what they find.
/// </summary>
public class NativeAgreementProperties
{
    [Property(MaxTest = 150, Replay = "(20261123,17)")]
    public Property The_model_agrees_with_the_native_kernel_call_by_call() => Prop.ForAll(FsCheckGens.Choices(), choices =>
    {
        var kernel = Kernels.Native;
        var trace = ChoiceTraces.Realise("fscheck", choices, kernel.Profile);
        var oracle = new DifferentialOracle(kernel);
        if (oracle.Check([trace])[0] is not { } f) return true.ToProperty();
        return false.Label(Failures.Explain(trace, f, oracle, kernel.Profile.Name, "choices " + string.Join(' ', choices)));
    });
}
