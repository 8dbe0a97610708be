using AnonVma.Judges;
using AnonVma.Model.Calls;

namespace AnonVma.Properties.Calls;

/// <summary>
/// tools/executor/calls.h is generated from the call table and checked in, so the executor builds without .NET; this
/// fails when the two drift apart, and rewrites the header when ANONVMA_REGENERATE=1.
/// </summary>
public class CallHeaderTests
{
    [Fact]
    public void The_executor_header_is_the_call_table()
    {
        string path = Path.Combine(RepoPaths.Root, "tools", "executor", "calls.h");
        string want = CHeader.Text();
        if (Environment.GetEnvironmentVariable("ANONVMA_REGENERATE") == "1") File.WriteAllText(path, want);
        Assert.True(File.Exists(path), $"{path} is missing: run ANONVMA_REGENERATE=1 dotnet test AnonVma.sln --filter CallHeaderTests");
        Assert.True(File.ReadAllText(path) == want,
            $"{path} is stale (the call table changed): run ANONVMA_REGENERATE=1 dotnet test AnonVma.sln --filter CallHeaderTests");
    }

    /// <summary>Every call, every flag and value name, and the limits reach the header once.</summary>
    [Fact]
    public void The_header_holds_every_call_name_and_limit()
    {
        string h = CHeader.Text();
        foreach (var spec in CallTable.All)
            Assert.Contains($"[{spec.Op}] = {{\"{spec.Name}\"", h);
        FlagFamily[] families = [FlagFamily.Prot, FlagFamily.MapFlags, FlagFamily.Mremap, FlagFamily.Mlock2, FlagFamily.Mlockall, FlagFamily.Advice, FlagFamily.PrctlOption];
        foreach (var family in families)
            foreach (var (name, value) in family.Definitions)
                Assert.Contains($"#define {name} 0x{value:x}\n", h);
        Assert.Contains($"#define MAXPROC {ExecutorLimits.MaxProcesses}\n", h);
        Assert.Contains($"#define MAXHANDLE {ExecutorLimits.MaxHandles}\n", h);
        Assert.Contains($"#define NAME_MAX_BYTES {ExecutorLimits.MaxNameBytes}\n", h);
        Assert.Equal(CallTable.All.Count, CallTable.All.Select(s => s.Name).Distinct().Count());
    }
}
