namespace AnonVma.Cli;

/// <summary>
/// One subcommand of the tool. A new command is one file with one class implementing this interface: the registry
/// (<see cref="Commands"/>) finds it, the usage text lists it and <see cref="Args"/> checks its options.
/// </summary>
public interface ICommand
{
    /// <summary>The word that selects it, e.g. "replay".</summary>
    string Name { get; }

    /// <summary>What follows the name in the usage text, e.g. "TRACE [--on model,native,qemu]".</summary>
    string Synopsis { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>Its positional arguments, by name (e.g. ["TRACE"]): required, or optional when in brackets ("[COMMAND]").</summary>
    IReadOnlyList<string> Positionals { get; }

    /// <summary>Its options, without the ones every command takes (--help, --no-color).</summary>
    IReadOnlyList<Option> Options { get; }

    /// <summary>Does the work and returns the exit code; throws UsageException or InputException for exit 2.</summary>
    int Run(Args args, CliContext context);
}

/// <summary>One option a command takes, so parsing, checking and help text come from one declaration.</summary>
/// <param name="Name">Without the dashes: "on" for --on.</param>
/// <param name="Value">The value's placeholder ("LIST", "N"), or null for a flag.</param>
public sealed record Option(string Name, string? Value, string Help)
{
    /// <summary>"--on LIST" or "--no-color".</summary>
    public string Spelling => Value is null ? $"--{Name}" : $"--{Name} {Value}";
}
