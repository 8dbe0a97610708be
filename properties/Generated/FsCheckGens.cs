using AnonVma.Traces.Generate;
using FsCheck;
using FsCheck.Fluent;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The abstract choices as FsCheck generates them (CsCheckGens has CsCheck's). FsCheck does not shrink them: a failing
/// property's trace is shrunk once, by the trace shrinker (Failures), which cuts calls and processes as choices cannot,
/// so FsCheck stops at the first failure and the shrinker runs and saves once.
/// </summary>
public static class FsCheckGens
{
    /// <summary>FsCheck: 1 to `max` choices, never shrunk by FsCheck.</summary>
    public static Arbitrary<Choice[]> Choices(int max = 48) =>
        Arb.From(
            (from k in Gen.Choose(0, Choice.KindRange - 1)
             from p in Gen.Choose(0, Choice.ProcRange - 1)
             from w in Gen.Choose(0, Choice.WhereRange - 1)
             from s in Gen.Choose(0, Choice.SizeRange - 1)
             from v in Gen.Choose(0, Choice.VariantRange - 1)
             select new Choice(k, p, w, s, v)).ArrayOf().Where(a => a.Length is > 0 and <= 48).Select(a => a.Take(max).ToArray()));
}
