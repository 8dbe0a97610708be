using BenchmarkDotNet.Reports;

/// <summary>
/// BenchmarkDotNet's results restated as the README's table: calls per second and bytes per call or per VMA, each
/// row next to its target, so a run can be checked against the targets without arithmetic.
/// </summary>
static class ModelTable
{
    public static int Print(IEnumerable<Summary> summaries)
    {
        var reports = summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null).ToList();
        if (reports.Count == 0)
        {
            Console.Error.WriteLine("bench: no benchmark produced a result (see BenchmarkDotNet's log above)");
            return 1;
        }
        Console.WriteLine();
        Console.WriteLine($"AnonVma model benchmark — {Environment.ProcessorCount} cores, .NET {Environment.Version}, BenchmarkDotNet means");
        Console.WriteLine();
        Console.WriteLine("| measurement | result | allocated | target |");
        Console.WriteLine("|---|---|---|---|");
        double? tenVmas = null;
        foreach (var r in reports)
        {
            double ns = r.ResultStatistics!.Mean;
            long bytes = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase) ?? 0;
            string method = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
            string row = method switch
            {
                "RandomCalls" when r.BenchmarkCase.Parameters["Vmas"] is int n =>
                    $"| model calls/s, 10,000-call random trace, {n:N0} VMAs | {1e9 / ns:N0} | {bytes:N0} B/call | " +
                    (n == 10 ? "≥ 1,000,000" : $"≥ {(tenVmas ?? double.NaN) / 100:N0} (1/100 of the 10-VMA rate)") + " |",
                "CheckedCalls" => $"| checked model calls/s (merge sites kept, every invariant after every call), 10 VMAs | {1e9 / ns:N0} | {bytes:N0} B/call | ≥ 200,000 |",
                "ForkNamed" => $"| fork + exit, 65,530 VMAs with 79-character names | {ns / 1e6:F2} ms | {bytes:N0} B | fork < 5 ms |",
                "ForkWrittenPages" => $"| fork + exit, 65,530 named VMAs, each with a written page | {ns / 1e6:F2} ms | {bytes:N0} B | reported |",
                "BuildUnnamed" => $"| building 65,000 unnamed VMAs, per VMA | {ns:N0} ns | {bytes:N0} B/VMA | reported |",
                "BuildNamed" => $"| building 65,000 named VMAs (79 chars, one name each), per VMA | {ns:N0} ns | {bytes:N0} B/VMA | reported |",
                _ => $"| {r.BenchmarkCase.DisplayInfo} | {ns:N1} ns | {bytes:N0} B | — |",
            };
            if (method == "RandomCalls" && r.BenchmarkCase.Parameters["Vmas"] is 10) tenVmas = 1e9 / ns;
            Console.WriteLine(row);
        }
        return 0;
    }
}
