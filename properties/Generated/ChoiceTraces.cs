using AnonVma.Model;
using AnonVma.Traces.Generate;

namespace AnonVma.Properties.Generated;

/// <summary>The traces the property tests draw: their generators make choice sequences, which the realiser turns into calls.</summary>
public static class ChoiceTraces
{
    /// <summary>The trace for a sequence of choices: the same choices always give the same calls.</summary>
    public static Trace Realise(string id, IEnumerable<Choice> choices, KernelProfile profile)
    {
        var r = new Realiser(profile);
        foreach (var c in choices) r.Next(c);
        return r.ToTrace(id);
    }
}
