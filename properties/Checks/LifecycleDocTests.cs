using AnonVma.Model.State;

namespace AnonVma.Properties.Checks;

/// <summary>The lifecycle diagrams in docs/LIFECYCLES.md are exported from the Stateless definitions and must not drift.</summary>
public class LifecycleDocTests
{
    static string DocPath([System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "docs", "LIFECYCLES.md"));

    static string Expected() =>
        "# Lifecycles\n\n" +
        "Exported from the Stateless definitions in model/State (NameLifecycle, ProcessLifecycle) by\n" +
        "`ANONVMA_UPDATE_DOCS=1 dotnet test --filter LifecycleDocTests`; a test fails when they drift.\n\n" +
        "## Name object (struct anon_vma_name)\n\n" +
        "One per prctl call. Splits and fork take references (Get), freed VMAs and the prctl caller drop them (Put).\n" +
        "A Get or Put on a freed object is not permitted: the model records it and NameRefcountBalance reports it.\n\n" +
        "```mermaid\n" + NameLifecycle.Mermaid().Trim() + "\n```\n\n" +
        "## Process\n\n" +
        "A call addressed to an exited process is refused with a trace error, not run.\n\n" +
        "```mermaid\n" + ProcessLifecycle.Mermaid().Trim() + "\n```\n";

    [Fact]
    public void Docs_match_the_state_machines()
    {
        if (Environment.GetEnvironmentVariable("ANONVMA_UPDATE_DOCS") == "1") File.WriteAllText(DocPath(), Expected());
        Assert.True(File.Exists(DocPath()), $"{DocPath()} is missing; run ANONVMA_UPDATE_DOCS=1 dotnet test --filter LifecycleDocTests");
        Assert.Equal(Expected(), File.ReadAllText(DocPath()));
    }
}
