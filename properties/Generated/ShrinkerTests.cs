using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Traces;
using Xunit.Abstractions;

namespace AnonVma.Properties.Generated;

/// <summary>
/// The shrinker's process and file candidates: dropping a fork, a whole process or a file renumbers what comes after
/// exactly as the model numbers it, and a finding that keeps forks only so that a late process number exists shrinks
/// to a few calls (with a deliberately wrong model as the oracle, so no kernel is needed).
/// </summary>
public class ShrinkerTests(ITestOutputHelper output)
{
    const ulong A = Trace.DefaultArenaBase;
    const int Anon = Map.Private | Map.Anonymous | Map.Fixed;

    static MmapCall Mmap(int pid, ulong at, ulong len = 0x1000) => new(pid, A + at, len, Prot.ReadWrite, Anon);
    static MmapCall MmapFile(int pid, ulong at, int handle) => new(pid, A + at, 0x1000, Prot.ReadWrite, Map.Shared | Map.Fixed, handle);

    static string[] Print(IEnumerable<Call>? calls) => Assert.IsAssignableFrom<IEnumerable<Call>>(calls).Select(TraceText.Print).ToArray();

    /// <summary>p0 → p1 → {p2 → p4 → p5, p3}; p2 exits.</summary>
    static readonly Call[] Tree =
    [
        Mmap(0, 0),            // 0
        new ForkCall(0),       // 1: p1
        new ForkCall(1),       // 2: p2
        new ForkCall(1),       // 3: p3
        new ForkCall(2),       // 4: p4
        new TouchCall(3, A, true),
        new TouchCall(4, A, false),
        new ExitCall(2),       // 7
        new ForkCall(4),       // 8: p5, though p2 has exited: an exit frees no number
        new TouchCall(5, A, false),
    ];

    [Fact]
    public void Numbering_is_the_models()
    {
        // Forks count from p1 in trace order whoever makes them, exits free nothing, handles count from h0 trace-wide.
        var calls = Tree.Concat([new MemfdCall(3, 0x1000), new FileCall(5, 0x1000), new ForkCall(3), new MemfdCall(6, 0x1000)]).ToList();
        var model = new LinuxModel(KernelProfile.Linux612);
        var outcomes = calls.Select(model.Apply).ToList();
        var n = Shrinker.Numbering.Of(calls);
        Assert.Equal(7, n.Processes);
        Assert.Equal(3, n.Handles);
        for (int p = 1; p < n.Processes; p++) Assert.Equal(Outcome.Proc(p), outcomes[n.ForkAt[p]]);
        for (int h = 0; h < n.Handles; h++) Assert.Equal(Outcome.Handle(h), outcomes[n.HandleAt[h]]);
        Assert.Equal([-1, 0, 1, 1, 2, 4, 3], n.Parent);
    }

    [Fact]
    public void Merging_a_child_into_its_parent_renumbers_the_later_processes()
    {
        string[] expected =
        [
            "p0: mmap(0x200000000000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)",
            "p0: fork()",
            "p1: fork()",          // was p1 making p3, now makes p2
            "p1: fork()",          // was p2's, making p4, now p3
            "p2: write(0x200000000000)",
            "p3: read(0x200000000000)",
            "p1: exit()",          // p2's exit is p1's now
            "p3: fork()",
            "p4: read(0x200000000000)",
        ];
        Assert.Equal(expected, Print(Shrinker.MergeIntoParent(Tree, 2)));
        Assert.Equal(expected.Where(c => c != "p1: exit()"), Print(Shrinker.MergeIntoParent(Tree, 2, dropExits: true)));
        // The last process: only its fork goes and its read is its parent's.
        Assert.Equal(Print(Tree.Take(8)).Append("p4: read(0x200000000000)"), Print(Shrinker.MergeIntoParent(Tree, 5)));
        Assert.Null(Shrinker.MergeIntoParent(Tree, 0));
        Assert.Null(Shrinker.MergeIntoParent(Tree, 6));
    }

    [Fact]
    public void Removing_a_process_drops_its_descendants_and_renumbers_the_rest()
    {
        Assert.Equal(
        [
            "p0: mmap(0x200000000000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)",
            "p0: fork()",
            "p1: fork()",
            "p2: write(0x200000000000)", // p3 was the only survivor after p1
        ], Print(Shrinker.RemoveProcess(Tree, 2)));
        Assert.Equal(
        [
            "p0: mmap(0x200000000000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)",
            "p0: fork()",
            "p1: fork()",
            "p2: fork()",
            "p3: read(0x200000000000)",
            "p2: exit()",
            "p3: fork()",
            "p4: read(0x200000000000)",
        ], Print(Shrinker.RemoveProcess(Tree, 3)));
        Assert.Equal(Print(Tree.Take(1)), Print(Shrinker.RemoveProcess(Tree, 1)));
        Assert.Null(Shrinker.RemoveProcess(Tree, 0));
    }

    [Fact]
    public void Reparenting_a_call_changes_no_number()
    {
        var moved = Shrinker.Reparent(Tree, 4, 0); // p2's fork made by p0 still creates p4
        Assert.Equal(Print(Tree.Take(4)).Append("p0: fork()").Concat(Print(Tree.Skip(5))), Print(moved));
        var model = new LinuxModel(KernelProfile.Linux612);
        Assert.Equal(Outcome.Proc(4), moved.Take(5).Select(model.Apply).ToList()[4]);
    }

    [Fact]
    public void Removing_a_file_drops_its_mappings_and_renumbers_later_handles()
    {
        Call[] calls =
        [
            new MemfdCall(0, 0x2000),  // h0
            new FileCall(0, 0x1000),   // h1
            new ForkCall(0),           // p1
            new MemfdCall(1, 0x1000),  // h2
            MmapFile(0, 0, 0),
            MmapFile(1, 0x1000, 1),
            MmapFile(1, 0x2000, 2),
            new MmapCall(1, A + 0x3000, 0x1000, Prot.ReadWrite, Anon, 0), // anonymous: the handle is ignored
        ];
        Assert.Equal(
        [
            "p0: file(0x1000)",
            "p0: fork()",
            "p1: memfd_create(0x1000)",
            "p1: mmap(0x200000001000, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, h0, 0)",
            "p1: mmap(0x200000002000, 0x1000, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_FIXED, h1, 0)",
            "p1: mmap(0x200000003000, 0x1000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0)",
        ], Print(Shrinker.RemoveHandle(calls, 0)));
        Assert.Equal(Print(calls.Where((_, i) => i is not (3 or 6))), Print(Shrinker.RemoveHandle(calls, 2)));
        // Without p1 its memfd goes too; the handles before it keep their numbers.
        Assert.Equal(Print(calls.Take(2).Append(calls[4])), Print(Shrinker.RemoveProcess(calls, 1)));
        Assert.Null(Shrinker.RemoveHandle(calls, 3));
    }

    /// <summary>
    /// Findings whose failing call is made by a late process, behind a tree of forks with noise in the middle
    /// processes: the shape real campaign findings shrank to before forks could be dropped (9 to 12 calls).
    /// </summary>
    public static TheoryData<string> Late() => new(LateFindings.Keys);

    static readonly Dictionary<string, (Mutation Mutation, bool Differential, Call[] Calls)> LateFindings = new()
    {
        // invariant:NameRefcountBalance at fork: p5 names an inherited mapping and forks.
        ["fork-skips-name-ref"] = (Mutation.ForkSkipsNameRef, false,
        [
            Mmap(0, 0, 0x4000),
            new ForkCall(0),
            new TouchCall(1, A, true),
            new ForkCall(1),
            new ForkCall(1),
            Mmap(2, 0x8000),
            new ForkCall(2),
            new TouchCall(3, A + 0x1000, false),
            new ForkCall(4),
            new NameCall(5, A, 0x2000, "x"),
            new ForkCall(5),
        ]),
        // The mutated model against the correct one: p6 mlocks a range its ancestors mapped and touched.
        ["mlock-skips-populate"] = (Mutation.MlockSkipsPopulate, true,
        [
            Mmap(0, 0, 0x4000),
            new ForkCall(0),
            new ForkCall(1),
            new TouchCall(1, A, true),
            new ForkCall(2),
            new ForkCall(2),
            new MprotectCall(3, A + 0x3000, 0x1000, Prot.Read),
            new ForkCall(4),
            new ExitCall(3),
            new ForkCall(5),
            new TouchCall(6, A + 0x1000, false),
            new MlockCall(6, A, 0x2000),
        ]),
    };

    static IOracle Oracle(Mutation mutation, bool differential, bool mutated = true) =>
        differential
            ? new DifferentialOracle(new ModelJudge(KernelProfile.Linux612), mutated ? new Mutations(mutation) : null)
            : new InvariantOracle(KernelProfile.Linux612, mutated ? new Mutations(mutation) : null);

    [Theory]
    [MemberData(nameof(Late))]
    public void A_finding_behind_forks_kept_for_numbering_shrinks_to_at_most_6_calls(string name)
    {
        var (mutation, differential, calls) = LateFindings[name];
        var trace = new Trace(name, A, 0x40000, calls);
        var oracle = Oracle(mutation, differential);
        var finding = oracle.Check([trace])[0];
        Assert.NotNull(finding);
        Assert.Equal(calls.Length - 1, finding.CallIndex); // the last call fails, made by a process at least five forks deep
        Assert.True(calls[^1].Pid >= 5);
        Assert.Null(Oracle(mutation, differential, mutated: false).Check([trace])[0]);

        var shrunk = Shrinker.Shrink(trace, finding, oracle);
        output.WriteLine($"{finding}\nshrunk from {calls.Length} to {shrunk.Trace.Calls.Count} calls in {shrunk.CandidatesRun} candidates, {shrunk.Rounds} rounds:");
        foreach (var c in shrunk.Trace.Calls) output.WriteLine("  " + TraceText.Print(c));
        Assert.True(shrunk.Trace.Calls.Count <= 6, $"shrunk to {shrunk.Trace.Calls.Count} calls");
        Assert.Equal(finding.Signature, shrunk.Finding.Signature);
        Assert.Equal(finding.Signature, oracle.Check([shrunk.Trace])[0]?.Signature);
    }
}
