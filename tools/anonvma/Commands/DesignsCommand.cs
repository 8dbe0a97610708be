using System.CommandLine;
using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Kernel;
using AnonVma.Traces;

namespace AnonVma.Cli;

/// <summary>
/// `designs`: the four naming designs on the same generated sequences, with what each breaks (a shrunk counterexample
/// per check) and what names cost per site: the evidence docs/NAMING-DESIGNS.md is written from.
/// </summary>
public sealed class DesignsCommand : CliCommand
{
    readonly Option<int?> traces = TypedOption.Int("--traces", "generated traces, each run on every design (default 20000)", 1, 1_000_000);
    readonly Option<int?> length = TypedOption.Int("--length", "calls per generated trace (default 24)", 1, 1_000);
    readonly Option<bool> save = TypedOption.Flag("--save", "write each counterexample to traces/corpus/designs/DESIGN/CHECK.trace");

    public DesignsCommand() : base("designs", "run the naming designs (refcount, user-pointer, strdup, cookie) on the same traces: what each breaks, shrunk, and what names cost")
        => Add(traces, length, save);

    public override int Run(ParseResult args, CliContext context)
    {
        int n = args.GetValue(traces) ?? 20000, len = args.GetValue(length) ?? 24;
        var o = context.Out;
        o.WriteLine($"{n} traces of {len} calls (seeds 1-{n}, names in memory), each run on every design with Linux 6.12's rules otherwise");
        var results = Enum.GetValues<NamingDesign>().Select(d => DesignSearch.Run(d, n, len, cancel: context.Cancel)).ToList();
        o.WriteLine();
        o.WriteLine("| design | broken (calls in the shrunk counterexample) |");
        o.WriteLine("|---|---|");
        foreach (var r in results)
            o.WriteLine($"| {r.Design.Key()} | {(r.Broken.Count == 0 ? "none" : string.Join(", ", r.Broken.Select(c => $"{c.Check} ({c.Trace.Calls.Count})")))} |");
        o.WriteLine();
        o.WriteLine("| design | allocations: prctl / split / fork | references: prctl / split / fork | frees: prctl / merge / unmap / exit | most bytes held by one trace |");
        o.WriteLine("|---|---|---|---|---|");
        foreach (var r in results)
        {
            var c = r.Counts;
            string Sites(long[] a, params NameSite[] s) => string.Join(" / ", s.Select(x => a[(int)x].ToString("N0")));
            o.WriteLine($"| {r.Design.Key()} | {Sites(c.Allocations, NameSite.Prctl, NameSite.Split, NameSite.Fork)} | " +
                        $"{Sites(c.References, NameSite.Prctl, NameSite.Split, NameSite.Fork)} | {Sites(c.Frees, NameSite.Prctl, NameSite.Merge, NameSite.Unmap, NameSite.Exit)} | {c.PeakBytes:N0} |");
        }
        if (args.GetValue(save))
        {
            string root = RepoPaths.Root;
            foreach (var r in results)
            {
                var dir = Path.Combine(root, "traces", "corpus", "designs", r.Design.Key());
                if (Directory.Exists(dir)) foreach (var f in Directory.GetFiles(dir, "*.trace")) File.Delete(f);
                foreach (var c in r.Broken)
                {
                    var path = DesignSearch.CorpusPath(root, r.Design, c.Check);
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    TraceText.Save(path, DesignSearch.Document(r, c));
                }
            }
            o.WriteLine($"\ncounterexamples written under {Path.Combine("traces", "corpus", "designs")}");
        }
        return ExitCode.Ok;
    }
}
