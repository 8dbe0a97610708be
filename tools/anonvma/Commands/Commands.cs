using System.Reflection;
using System.Text;

namespace AnonVma.Cli;

/// <summary>The registry of commands: every ICommand class in this assembly, so adding a command is adding its file.</summary>
public static class Commands
{
    /// <summary>The options every command takes.</summary>
    public static readonly IReadOnlyList<Option> Common =
    [
        new("help", null, "show this command's options"),
        new("no-color", null, "no ANSI colour even on a terminal (NO_COLOR in the environment does the same)"),
    ];

    /// <summary>Every command, by name.</summary>
    public static IReadOnlyList<ICommand> All { get; } = typeof(Commands).Assembly.GetTypes()
        .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommand).IsAssignableFrom(t))
        .Select(t => (ICommand)Activator.CreateInstance(t)!)
        .OrderBy(c => c.Name, StringComparer.Ordinal)
        .ToList();

    public static ICommand? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    /// <summary>The text for --help or no arguments: every command with one line each, and the exit codes.</summary>
    public static string UsageText()
    {
        var sb = new StringBuilder();
        sb.Append("anonvma: replay, fuzz and print AnonVma traces (the reference model of Linux's anonymous-VMA naming\n");
        sb.Append("against real kernels)\n\n");
        sb.Append("usage: dotnet run --project tools/anonvma -- COMMAND [ARGS] [OPTIONS]\n\ncommands:\n");
        int w = All.Max(c => c.Name.Length);
        foreach (var c in All) sb.Append($"  {c.Name.PadRight(w)}  {c.Summary}\n");
        sb.Append("\n'anonvma COMMAND --help' lists a command's options.\n");
        sb.Append("exit codes: 0 the judges agree and nothing was found; 1 a difference, an unmet expectation or a finding;\n");
        sb.Append("2 a usage error or unreadable input.\n");
        return sb.ToString();
    }

    /// <summary>One command's synopsis and options.</summary>
    public static string CommandHelp(ICommand c)
    {
        var sb = new StringBuilder();
        sb.Append($"usage: anonvma {c.Name} {c.Synopsis}\n\n{c.Summary}\n\noptions:\n");
        var options = c.Options.Concat(Common).ToList();
        int w = options.Max(o => o.Spelling.Length);
        foreach (var o in options)
        {
            var lines = Wrap(o.Help, Math.Max(40, 110 - w - 4));
            sb.Append($"  {o.Spelling.PadRight(w)}  {lines[0]}\n");
            foreach (var more in lines.Skip(1)) sb.Append(' ', w + 4).Append(more).Append('\n');
        }
        return sb.ToString();
    }

    static List<string> Wrap(string text, int width)
    {
        var lines = new List<string> { "" };
        foreach (var word in text.Split(' '))
        {
            if (lines[^1].Length > 0 && lines[^1].Length + 1 + word.Length > width) lines.Add("");
            lines[^1] += (lines[^1].Length > 0 ? " " : "") + word;
        }
        return lines;
    }
}
