namespace AnonVma.Judges;

/// <summary>Finds the checkout, so judges can reach tools/executor and tools/qemu from tests and tools alike.</summary>
public static class RepoPaths
{
    /// <summary>ANONVMA_ROOT, or the nearest folder holding AnonVma.sln above the running assembly or else the current directory.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The checkout, or null outside one (a tool run from elsewhere).</summary>
    public static string? TryRoot()
    {
        try { return Root; }
        catch (TypeInitializationException) { return null; } // FindRoot threw
    }

    public static string Executor => Path.Combine(Root, "tools", "executor", "anonvma-exec");
    public static string Oracle => Path.Combine(Root, "tools", "qemu");

    static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("ANONVMA_ROOT") is { Length: > 0 } env) return env;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "AnonVma.sln"))) return d.FullName;
        throw new InvalidOperationException(
            $"cannot find AnonVma.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}; set ANONVMA_ROOT to the checkout");
    }
}
