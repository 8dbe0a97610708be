using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>The --mutate option replay and fuzz share: a deliberately wrong model rule, to see a disagreement or a finding happen.</summary>
public static class MutationOption
{
    public static readonly Option Declaration = new("mutate", "RULE",
        "run the model with a deliberately wrong rule (" + string.Join(", ", Enum.GetNames<Mutation>()) + "), to see what a finding looks like");

    /// <summary>The mutations asked for, or null without --mutate.</summary>
    public static Mutations? Parse(Args args)
    {
        if (args.Get("mutate") is not { } rule) return null;
        if (!Enum.TryParse<Mutation>(rule, ignoreCase: true, out var m) || !Enum.IsDefined(m) || int.TryParse(rule, out _))
            throw new UsageException($"--mutate: unknown rule '{rule}' (choose from {string.Join(", ", Enum.GetNames<Mutation>())})");
        return new Mutations(m);
    }
}
