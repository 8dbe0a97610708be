namespace AnonVma.Campaign;

/// <summary>
/// A distinct finding as saved in findings/DIR/finding.json: written once when it is first found, never rewritten.
/// How often it recurred lives in the state (FindingCounts), and its shrunk trace and C reproducer sit beside it.
/// </summary>
/// <param name="Signature">The campaign's deduplication key: check, call kind and judge, e.g. "differs:smaps at munmap on native".</param>
/// <param name="Directory">Its directory's name under findings/.</param>
/// <param name="Judge">"model" for an invariant, else the kernel that disagreed ("native", "qemu").</param>
/// <param name="Lane">"main" or "qemu": which workers found it, and so which suite shrinks it.</param>
/// <param name="FoundAtSeconds">Campaign time when it was first found.</param>
public sealed record FindingRecord(
    string Signature, string Directory, string Check, string CallKind, string Judge, string Oracle, string Lane,
    int Seed, string Message, double FoundAtSeconds, int OriginalCalls);
