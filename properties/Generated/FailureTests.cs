using AnonVma.Model;

namespace AnonVma.Properties.Generated;

/// <summary>
/// A failing generated property shrinks and saves its trace once, after the library is done, and says everything:
/// the finding, the shrunk trace as code, where it was saved, how to replay it. A mutated model makes it fail.
/// </summary>
[Collection(nameof(FailureTests))] // Failures.Explained is process-wide: nothing else may fail meanwhile
public class FailureTests
{
    [Fact]
    public void FsCheck_stops_at_the_first_failure_and_the_trace_is_shrunk_and_saved_once()
    {
        var dir = Directory.CreateTempSubdirectory("anonvma-failure-").FullName;
        try
        {
            int before = Failures.Explained;
            var e = Assert.ThrowsAny<Exception>(() =>
                FsCheck.Check.QuickThrowOnFailure(InvariantProperties.Holds(KernelProfile.Linux612, new Mutations(Mutation.MlockSkipsPopulate), dir)));
            Assert.Equal(1, Failures.Explained - before);
            AssertExplained(e.Message, dir);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CsCheck_shrinks_on_its_own_then_its_smallest_example_is_shrunk_and_saved_once()
    {
        var dir = Directory.CreateTempSubdirectory("anonvma-failure-").FullName;
        try
        {
            int before = Failures.Explained;
            var e = Assert.ThrowsAny<Exception>(() => CsCheckProperty.Holds(new Mutations(Mutation.MlockSkipsPopulate), 200, _ => { }, dir));
            Assert.Equal(1, Failures.Explained - before);
            AssertExplained(e.Message, dir);
            Assert.Contains("CsCheck: ", e.Message); // its own report, with the seed that replays it
        }
        finally { Directory.Delete(dir, true); }
    }

    static void AssertExplained(string message, string dir)
    {
        Assert.Contains("invariant:MlockPopulated at ", message);
        var saved = Assert.Single(Directory.GetFiles(dir, "*.trace"));
        Assert.Contains($"saved as {saved}", message);
        Assert.Contains($"replay: dotnet run --project tools/anonvma -- replay ", message);
        Assert.Contains("anonvma-trace 1\n", message); // the shrunk trace, printed as a trace file
        Assert.Contains("choices ", message);           // the generated input it came from
    }
}
