using AnonVma.Model;

namespace AnonVma.Fuzz;

/// <summary>
/// A way of deciding that a trace shows a bug: the invariants on the model, or the model against a real kernel.
/// Batches matter, because a real kernel answers a batch of traces for the price of one executor start.
/// </summary>
public interface IOracle
{
    string Name { get; }

    /// <summary>One finding or null per trace, in order. A trace the judges refuse (an exited process…) is null.</summary>
    IReadOnlyList<Finding?> Check(IReadOnlyList<Trace> traces);
}
