using AnonVma.Traces.Generate;
using FsCheck;
using FsCheck.Fluent;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The abstract choices as FsCheck generates them (CsCheckGens has CsCheck's). Both shrink towards fewer choices and
/// smaller numbers, which the Realiser turns into fewer, simpler calls.
/// </summary>
public static class FsCheckGens
{
    /// <summary>FsCheck: 1 to `max` choices, shrinking by dropping halves, single choices, then lowering fields.</summary>
    public static Arbitrary<Choice[]> Choices(int max = 48) =>
        Arb.From(
            (from k in Gen.Choose(0, Choice.KindRange - 1)
             from p in Gen.Choose(0, Choice.ProcRange - 1)
             from w in Gen.Choose(0, Choice.WhereRange - 1)
             from s in Gen.Choose(0, Choice.SizeRange - 1)
             from v in Gen.Choose(0, Choice.VariantRange - 1)
             select new Choice(k, p, w, s, v)).ArrayOf().Where(a => a.Length is > 0 and <= 48).Select(a => a.Take(max).ToArray()),
            Shrink);

    static IEnumerable<Choice[]> Shrink(Choice[] a)
    {
        for (int size = a.Length / 2; size >= 1; size /= 2)
            for (int start = 0; start + size <= a.Length; start += size)
                yield return a.Take(start).Concat(a.Skip(start + size)).ToArray();
        for (int i = 0; i < a.Length; i++)
            foreach (var c in Simpler(a[i]))
            {
                var b = (Choice[])a.Clone();
                b[i] = c;
                yield return b;
            }
    }

    static IEnumerable<Choice> Simpler(Choice c)
    {
        if (c.Kind != 0) yield return c with { Kind = 0 };
        if (c.Proc != 0) yield return c with { Proc = 0 };
        if (c.Where != 0) yield return c with { Where = c.Where / 2 };
        if (c.Size != 0) yield return c with { Size = 0 };
        if (c.Variant != 0) yield return c with { Variant = 0 };
        if (c.Variant > 1) yield return c with { Variant = c.Variant / 2 };
    }
}
