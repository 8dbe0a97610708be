using System.Globalization;

namespace AnonVma.Cli;

/// <summary>
/// One command's parsed command line: its positionals and options, checked against what the command declares, with
/// typed getters whose errors name the option. Options come as "--name value" or "--name=value", anywhere after the
/// command; "--" ends them.
/// </summary>
public sealed class Args
{
    readonly Dictionary<string, string?> options = new();
    readonly ICommand command;

    Args(ICommand command, IReadOnlyList<string> positionals)
    {
        this.command = command;
        Positionals = positionals;
    }

    public IReadOnlyList<string> Positionals { get; }

    public static Args Parse(ICommand command, IReadOnlyList<string> argv)
    {
        var known = command.Options.Concat(Commands.Common).ToDictionary(o => o.Name);
        var positionals = new List<string>();
        var parsed = new Args(command, positionals);
        bool endOfOptions = false;
        for (int i = 0; i < argv.Count; i++)
        {
            string a = argv[i];
            if (endOfOptions || !a.StartsWith('-') || a == "-") { positionals.Add(a); continue; }
            if (a == "--") { endOfOptions = true; continue; }
            if (a == "-h") a = "--help";
            if (!a.StartsWith("--")) throw new UsageException($"unknown option '{a}' for {command.Name}");
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) (name, value) = (name[..eq], name[(eq + 1)..]);
            if (!known.TryGetValue(name, out var option)) throw new UsageException($"unknown option '--{name}' for {command.Name}");
            if (option.Value is null && value is not null) throw new UsageException($"option --{name} takes no value, found '{value}'");
            if (option.Value is not null && value is null)
            {
                if (i + 1 >= argv.Count) throw new UsageException($"option --{name} needs a value ({option.Value})");
                value = argv[++i];
            }
            if (!parsed.options.TryAdd(name, value)) throw new UsageException($"option --{name} is given twice");
        }
        if (parsed.options.ContainsKey("help")) return parsed;
        int required = command.Positionals.Count(p => !p.StartsWith('[')), most = command.Positionals.Count;
        if (positionals.Count < required)
            throw new UsageException($"{command.Name} needs {string.Join(" ", command.Positionals.Skip(positionals.Count).Where(p => !p.StartsWith('[')))}");
        bool variadic = command.Positionals.Count > 0 && command.Positionals[^1].EndsWith("...]");
        if (!variadic && positionals.Count > most) throw new UsageException($"unexpected argument '{positionals[most]}' for {command.Name}");
        return parsed;
    }

    public bool Has(string name) => options.ContainsKey(name);

    public string? Get(string name) => options.GetValueOrDefault(name);

    /// <summary>A whole number between min and max.</summary>
    public int? GetInt(string name, int min, int max)
    {
        if (Get(name) is not { } v) return null;
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
            throw new UsageException($"option --{name} expects a whole number from {min} to {max}, found '{v}'");
        return n;
    }

    /// <summary>A duration: "60s", "5m", "1h", "500ms" or plain seconds ("90", "2.5").</summary>
    public TimeSpan? GetDuration(string name)
    {
        if (Get(name) is not { } v) return null;
        return ParseDuration(v) ?? throw new UsageException($"option --{name} expects a duration like 60s, 5m or 1h, found '{v}'");
    }

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

    /// <summary>A comma-separated list of words from a fixed set, in order, without repeats.</summary>
    public IReadOnlyList<string>? GetList(string name, IReadOnlyList<string> allowed)
    {
        if (Get(name) is not { } v) return null;
        var items = v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(s => s.ToLowerInvariant()).Distinct().ToList();
        if (items.Count == 0) throw new UsageException($"option --{name} needs at least one of {string.Join(", ", allowed)}");
        foreach (var i in items)
            if (!allowed.Contains(i)) throw new UsageException($"option --{name}: unknown '{i}' (choose from {string.Join(", ", allowed)})");
        return items;
    }

    public override string ToString() => $"{command.Name} {string.Join(' ', Positionals)}";
}
