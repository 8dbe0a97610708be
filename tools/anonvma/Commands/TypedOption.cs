using System.CommandLine;
using System.Globalization;
using AnonVma.Model;

namespace AnonVma.Cli;

/// <summary>
/// The kinds of value the commands' options take, each parsed while the command line is, so a bad value
/// (`fuzz --time soon`) is one usage error naming the option and the value before any command starts.
/// </summary>
public static class TypedOption
{
    /// <summary>A flag: given or not.</summary>
    public static Option<bool> Flag(string name, string help) => new(name) { Description = help };

    /// <summary>Free text (a path, a name); null when not given.</summary>
    public static Option<string?> Text(string name, string value, string help) => new(name) { HelpName = value, Description = help };

    /// <summary>A whole number between min and max; null when not given.</summary>
    public static Option<int?> Int(string name, string help, int min, int max) => Parsed<int?>(name, "N", help, v =>
        int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max ? n
            : throw new UsageException($"option {name} expects a whole number from {min} to {max}, found '{v}'"));

    /// <summary>A duration ("60s", "5m", "1h", "500ms" or plain seconds); null when not given.</summary>
    public static Option<TimeSpan?> Duration(string name, string help) => Parsed<TimeSpan?>(name, "DURATION", help, v =>
        ParseDuration(v) ?? throw new UsageException($"option {name} expects a duration like 60s, 5m or 1h, found '{v}'"));

    /// <summary>A comma-separated list of words from a fixed set, in the order given, without repeats; null when not given.</summary>
    public static Option<IReadOnlyList<string>?> List(string name, string value, IReadOnlyList<string> allowed, string help) =>
        Parsed<IReadOnlyList<string>?>(name, value, help, v =>
        {
            var items = v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).Distinct().ToList();
            if (items.Count == 0) throw new UsageException($"option {name} needs at least one of {string.Join(", ", allowed)}");
            if (items.FirstOrDefault(i => !allowed.Contains(i)) is { } unknown)
                throw new UsageException($"option {name}: unknown '{unknown}' (choose from {string.Join(", ", allowed)})");
            return items;
        });

    /// <summary>--mutate RULE, which replay, fuzz and campaign share: a deliberately wrong model rule, to see a disagreement or a finding happen.</summary>
    public static Option<Mutations?> Mutation() => Parsed<Mutations?>("--mutate", "RULE",
        "run the model with a deliberately wrong rule (" + string.Join(", ", Enum.GetNames<Mutation>()) + "), to see what a finding looks like",
        rule => Enum.TryParse<Mutation>(rule, ignoreCase: true, out var m) && Enum.IsDefined(m) && !int.TryParse(rule, out _) ? new Mutations(m)
            : throw new UsageException($"--mutate: unknown rule '{rule}' (choose from {string.Join(", ", Enum.GetNames<Mutation>())})"));

    /// <summary>An option whose value `parse` turns into T, throwing UsageException with the whole message when it cannot.</summary>
    public static Option<T> Parsed<T>(string name, string value, string help, Func<string, T> parse) => new(name)
    {
        HelpName = value,
        Description = help,
        CustomParser = result =>
        {
            try { return parse(result.Tokens[0].Value); }
            catch (UsageException e)
            {
                result.AddError(e.Message);
                return default;
            }
        },
    };

    /// <summary>"60s", "5m", "1h", "500ms" or plain seconds ("90", "2.5"), up to a week; null for anything else.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        (string unit, double scale) = t.EndsWith("ms") ? ("ms", 0.001) : t.EndsWith('s') ? ("s", 1) : t.EndsWith('m') ? ("m", 60) :
            t.EndsWith('h') ? ("h", 3600) : ("", 1);
        string number = t[..^unit.Length];
        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double n) || n <= 0 || n * scale > 7 * 86400)
            return null;
        return TimeSpan.FromSeconds(n * scale);
    }

    /// <summary>Whether the command line names the option (not merely its default).</summary>
    public static bool Given(this ParseResult parsed, Option option) => parsed.GetResult(option) is { Implicit: false };
}
