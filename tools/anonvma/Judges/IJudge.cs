using AnonVma.Model;

namespace AnonVma.Judges;

/// <summary>
/// Anything that can run traces and report what happened: the model, this machine's kernel, a kernel under QEMU, or
/// a new one (another version, a remote machine) added without touching the others.
/// </summary>
public interface IJudge
{
    /// <summary>Short name for reports, e.g. "model(linux-6.12)" or "qemu-6.12".</summary>
    string Name { get; }

    /// <summary>The profile a model must use to predict this judge.</summary>
    KernelProfile Profile { get; }

    /// <summary>Runs every trace; returns one run per trace, in the same order.</summary>
    IReadOnlyList<TraceRun> Run(IReadOnlyList<Trace> traces);
}
