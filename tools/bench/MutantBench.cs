using AnonVma.Campaign;
using AnonVma.Judges;
using AnonVma.Model;

/// <summary>
/// The mutation check (`bench mutants [seconds]`): each deliberately wrong model rule against the suite a user
/// runs (every invariant on the linux-6.12 model, and the model against this machine's kernel), until the first
/// finding or the time limit, then shrunk. Prints the kill rate, the time to kill and the shrunk trace's length.
/// A kernel run that does not complete is no kill: the mutant's row says so and the check exits 1.
/// </summary>
static class MutantBench
{
    public static int Run(string[] args)
    {
        double limit = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 60;
        var native = new CompletingJudge(NativeJudge.Create());
        Console.WriteLine($"AnonVma mutation check — one core, limit {limit:F0} s per mutant, oracles: invariants(linux-6.12) + model vs {native.Name}");
        Console.WriteLine();
        Console.WriteLine("| mutant | killed | time to kill | traces | check | shrunk calls | shrink candidates |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        int killed = 0, failed = 0;
        foreach (var m in Enum.GetValues<Mutation>())
        {
            var config = new CampaignConfig { Judges = ["model", "native"], LongEvery = 0, Mutation = m.ToString() };
            FuzzResult result;
            try
            {
                result = TemporaryCampaign.Run(config, new SessionOptions(TimeSpan.FromSeconds(limit), 1, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(5)) { StopAtFirstFinding = true },
                    _ => native);
            }
            catch (IncompleteRunException e)
            {
                failed++;
                Console.WriteLine($"| {m} | not measured: {e.Message} | — | — | — | — | — |");
                continue;
            }
            if (result.Findings.FirstOrDefault() is { } bug)
            {
                killed++;
                Console.WriteLine($"| {m} | yes | {bug.FoundAfter.TotalSeconds:F2} s (+{(result.Elapsed - bug.FoundAfter).TotalSeconds:F1} s shrinking) | {result.Traces} | {bug.Finding.Signature} | {bug.Shrunk.Trace.Calls.Count} | {bug.Shrunk.CandidatesRun} |");
            }
            else Console.WriteLine($"| {m} | **no** | — | {result.Traces} | — | — | — |");
        }
        Console.WriteLine();
        Console.WriteLine($"kill rate: {killed}/{Enum.GetValues<Mutation>().Length}");
        if (failed == 0) return 0;
        Console.Error.WriteLine($"bench mutants: {failed} mutant(s) not measured, because a kernel run did not complete");
        return 1;
    }
}
