using AnonVma.Traces.Generate;
using CsCheck;

namespace AnonVma.Properties.Generated;

/// <summary>The abstract choices as CsCheck generates them; CsCheck shrinks them by itself, towards fewer and smaller.</summary>
public static class CsCheckGens
{
    public static Gen<Choice[]> Choices(int max = 48) =>
        Gen.Select(Gen.Int[0, Choice.KindRange - 1], Gen.Int[0, Choice.ProcRange - 1], Gen.Int[0, Choice.WhereRange - 1],
                Gen.Int[0, Choice.SizeRange - 1], Gen.Int[0, Choice.VariantRange - 1], (k, p, w, s, v) => new Choice(k, p, w, s, v))
            .Array[1, max];
}
