using AnonVma.Model.Calls;

namespace AnonVma.Traces.Generate;

/// <summary>
/// One abstract step of a generated sequence: five small integers that the <see cref="Realiser"/> turns into a
/// concrete call against the model's current state. Zero is always the simplest choice, so a shrinker that lowers
/// numbers or drops steps (FsCheck's, CsCheck's or ours) moves towards simpler, still meaningful sequences.
/// </summary>
/// <param name="Kind">Which call, by the call table's weights (0 … <see cref="Choice.KindRange"/> - 1; 0 is an mmap).</param>
/// <param name="Proc">Which live process makes it (modulo the live count).</param>
/// <param name="Where">Where it starts: an arena page, or a VMA boundary, so splits and merges are common.</param>
/// <param name="Size">How many pages, and now and then a zero, ragged or misaligned range.</param>
/// <param name="Variant">The call's own option: protection, name, advice, flags, read or write.</param>
public readonly record struct Choice(int Kind, int Proc, int Where, int Size, int Variant)
{
    public static readonly int KindRange = CallTable.GeneratedWeight;
    public const int ProcRange = 8, WhereRange = 64, SizeRange = 64, VariantRange = 256;

    /// <summary>A uniformly random choice in the documented ranges, its five fields drawn in order (a seed's trace depends on that order).</summary>
    public static Choice Random(Pcg32 rng) =>
        new(rng.Next(KindRange), rng.Next(ProcRange), rng.Next(WhereRange), rng.Next(SizeRange), rng.Next(VariantRange));

    /// <summary>The choice with every field reduced into its range, so any integers (a shrinker's output) are usable.</summary>
    public Choice Clamp() => new(Mod(Kind, KindRange), Mod(Proc, ProcRange), Mod(Where, WhereRange), Mod(Size, SizeRange), Mod(Variant, VariantRange));

    static int Mod(int x, int m) => ((x % m) + m) % m;

    public override string ToString() => $"({Kind},{Proc},{Where},{Size},{Variant})";
}
