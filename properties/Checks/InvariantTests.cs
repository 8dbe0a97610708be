using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Properties.Checks;

/// <summary>Each invariant is fed a deliberately broken state (by hand or through a model mutation) and must report it.</summary>
public class InvariantTests
{
    const ulong B = 0x200000000000, P = 4096;
    const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace;

    static LinuxModel Run(Mutations? mutations, params Call[] calls)
    {
        var m = new LinuxModel(KernelProfile.Linux612) { Mutations = mutations, TracksMergeSites = true };
        foreach (var c in calls) m.Apply(c);
        return m;
    }

    static LinuxModel TwoVmas() => Run(null, new MmapCall(0, B, P, Prot.ReadWrite, F), new MmapCall(0, B + 2 * P, P, Prot.Read, F));

    [Fact]
    public void Healthy_state_has_no_violation() => Assert.Null(Invariants.First(TwoVmas()));

    [Fact]
    public void WellFormed_reports_overlap()
    {
        var m = TwoVmas();
        m.Processes[0].Vmas.All().First().End = B + 3 * P;
        var v = Invariants.WellFormed(m);
        Assert.Equal((nameof(Invariants.WellFormed), 2), (v?.Check, v?.Vmas.Count));
    }

    [Fact]
    public void WellFormed_reports_misalignment_and_empty()
    {
        var m = TwoVmas();
        m.Processes[0].Vmas.All().First().End = B + 5;
        Assert.Contains("aligned", Invariants.WellFormed(m)?.Message);
        m.Processes[0].Vmas.All().First().End = B;
        Assert.Contains("empty", Invariants.WellFormed(m)?.Message);
    }

    [Fact]
    public void NamesValid_reports_bad_string_and_name_on_file()
    {
        var m = TwoVmas();
        m.Processes[0].Vmas.All().First().Name = new AnonName(99, "a$b");
        Assert.Contains("invalid name", Invariants.NamesValid(m)?.Message);
        var f = Run(null, new FileCall(0, P), new MmapCall(0, B, P, Prot.Read, Map.Private | Map.FixedNoReplace, 0));
        f.Processes[0].Vmas.All().First().Name = new AnonName(98, "ok");
        Assert.Contains("file-backed", Invariants.NamesValid(f)?.Message);
    }

    [Fact]
    public void NameRefcountBalance_reports_miscount_leak_and_freed_object()
    {
        var m = Run(null, new MmapCall(0, B, 3 * P, Prot.ReadWrite, F), new NameCall(0, B, P, "a"));
        Assert.Null(Invariants.NameRefcountBalance(m));
        var name = m.LiveNames.Single();
        name.Refs++;
        Assert.Contains("references but", Invariants.NameRefcountBalance(m)?.Message);
        name.Refs--;
        m.Processes[0].Vmas.All().First().Name = null; // dropped without a put
        Assert.Contains("leak", Invariants.NameRefcountBalance(m)?.Message);
        var freed = new AnonName(7, "gone") { State = NameState.Freed, Refs = 0 };
        m.Processes[0].Vmas.All().Last().Name = freed;
        Assert.Contains("freed", Invariants.NameRefcountBalance(m)?.Message);
    }

    [Fact]
    public void SplitKeepsName_holds_for_a_named_split_and_reports_a_split_that_forgets_the_name()
    {
        Call[] calls = [new MmapCall(0, B, 3 * P, Prot.ReadWrite, F), new NameCall(0, B, 3 * P, "a"), new MprotectCall(0, B + P, P, Prot.Read)];
        var good = Run(null, calls);
        Assert.Equal(2, good.Last!.Splits.Count);
        Assert.Null(Invariants.SplitKeepsName(good));
        var v = Invariants.SplitKeepsName(Run(new Mutations(Mutation.SplitForgetsName), calls));
        Assert.Equal(nameof(Invariants.SplitKeepsName), v?.Check);
        Assert.Contains("gave halves named", v!.Message);
    }

    [Fact]
    public void NameRefcountBalance_reports_fork_without_reference()
    {
        var m = Run(new Mutations(Mutation.ForkSkipsNameRef), new MmapCall(0, B, P, Prot.ReadWrite, F), new NameCall(0, B, P, "a"), new ForkCall(0));
        Assert.Equal(nameof(Invariants.NameRefcountBalance), Invariants.First(m)?.Check);
    }

    [Fact]
    public void Lifecycle_reports_reference_after_last_put()
    {
        // A fork that forgot its reference lets the child's exit free the name while the parent still holds it;
        // the parent's later put then acts on a freed object, which the lifecycle forbids.
        var m = Run(new Mutations(Mutation.ForkSkipsNameRef), new MmapCall(0, B, P, Prot.ReadWrite, F), new NameCall(0, B, P, "a"),
            new ForkCall(0), new ExitCall(1), new MunmapCall(0, B, P));
        Assert.NotEmpty(m.LifecycleViolations);
        Assert.Contains("state Freed", Invariants.NameRefcountBalance(m)?.Message);
    }

    [Fact]
    public void RssCountersMatchPageTables_reports_drift()
    {
        var m = Run(null, new MmapCall(0, B, 2 * P, Prot.ReadWrite, F), new TouchCall(0, B, Write: true), new MemfdCall(0, P),
            new MmapCall(0, B + 4 * P, P, Prot.ReadWrite, Map.Shared | Map.Fixed, 0), new TouchCall(0, B + 4 * P, Write: false));
        Assert.Equal([0L, 1, 0, 1], m.Processes[0].Rss);
        Assert.Null(Invariants.RssCountersMatchPageTables(m));
        m.Processes[0].Rss[(int)RssCounter.AnonPages]++;
        Assert.Equal("AnonPages is 2 but the page table holds 1 such pages", Invariants.RssCountersMatchPageTables(m)?.Message);
    }

    [Fact]
    public void RssZeroAtExit_reports_what_check_mm_would()
    {
        var healthy = Run(null, new MmapCall(0, B, P, Prot.ReadWrite, F), new TouchCall(0, B, Write: true), new ForkCall(0),
            new TouchCall(1, B, Write: false), new ExitCall(1));
        Assert.Null(Invariants.RssZeroAtExit(healthy));
        var m = Run(null, new MmapCall(0, B, P, Prot.ReadWrite, F), new TouchCall(0, B, Write: true), new ForkCall(0));
        m.Processes[1].Rss[(int)RssCounter.ShmemPages] += 2;
        m.Apply(new ExitCall(1));
        Assert.Equal("Bad rss-counter state idx:3 val:2", Invariants.RssZeroAtExit(m)?.Message);
    }

    /// <summary>smaps' Rss, summed over a process's VMAs, is what its counters add up to, after every call of generated traces.</summary>
    [Fact]
    public void Smaps_rss_agrees_with_the_counters()
    {
        int calls = 0;
        foreach (var profile in new[] { KernelProfile.Linux612, KernelProfile.Host618 })
            for (int seed = 1; seed <= 300; seed++)
            {
                var r = new AnonVma.Traces.Generate.Realiser(profile);
                var rng = AnonVma.Traces.Generate.Pcg32.ForSeed(seed);
                while (r.Calls.Count < 24)
                {
                    if (r.Next(AnonVma.Traces.Generate.Choice.Random(rng)) is null) continue;
                    calls++;
                    foreach (var p in r.Model.Processes.Where(p => p.Running))
                    {
                        ulong smaps = 0;
                        foreach (var v in p.Vmas.All()) smaps += AnonVma.Model.Text.ProcView.Block(p, v).Counters.Rss;
                        long pages = p.Rss[(int)RssCounter.FilePages] + p.Rss[(int)RssCounter.AnonPages] + p.Rss[(int)RssCounter.ShmemPages];
                        Assert.True((ulong)pages * 4 == smaps, $"seed {seed}, call {r.Calls.Count - 1}, p{p.Index}: counters {pages} pages, smaps Rss {smaps} kB");
                    }
                }
            }
        Assert.True(calls > 10_000);
    }

    [Fact]
    public void LockedVmBalance_reports_drift()
    {
        var m = Run(null, new MmapCall(0, B, 2 * P, Prot.ReadWrite, F), new MlockCall(0, B, P));
        Assert.Null(Invariants.LockedVmBalance(m));
        m.Processes[0].LockedVm = 2;
        Assert.Equal(nameof(Invariants.LockedVmBalance), Invariants.LockedVmBalance(m)?.Check);
    }

    [Fact]
    public void MergeOnEqualName_reports_object_comparison()
    {
        var calls = new Call[] { new MmapCall(0, B, 4 * P, Prot.ReadWrite, F), new NameCall(0, B + P, P, "foo"), new NameCall(0, B + 2 * P, P, "foo") };
        Assert.Null(Invariants.MergeOnEqualName(Run(null, calls)));
        var v = Invariants.MergeOnEqualName(Run(new Mutations(Mutation.MergeComparesNameObjects), calls));
        Assert.Equal(2, v?.Vmas.Count);
    }

    [Fact]
    public void MergeOnEqualName_reports_a_missed_new_range_merge()
    {
        var m = Run(null, new MmapCall(0, B, P, Prot.ReadWrite, F), new MmapCall(0, B + P, P, Prot.ReadWrite, F));
        // Forge the state a merge-less model would leave: split the merged VMA back into the two mmaps.
        var p = m.Processes[0];
        var v = p.Vmas.All().Single();
        v.End = B + P;
        var second = new Vma { Start = B + P, End = B + 2 * P, Flags = v.Flags, PgOff = v.PgOff + 1 };
        p.Vmas.Insert(second);
        var forged = new CallEffects(m.Last!.Call, m.Last.Outcome, [new MergeSite(0, B + P, B + 2 * P, VmaShot.Of(second), VmaShot.Of(v), null)]);
        typeof(LinuxModel).GetProperty(nameof(LinuxModel.Last))!.SetValue(m, forged);
        Assert.Equal(nameof(Invariants.MergeOnEqualName), Invariants.MergeOnEqualName(m)?.Check);
    }

    [Fact]
    public void MlockPopulated_reports_skipped_population()
    {
        var calls = new Call[] { new MmapCall(0, B, 2 * P, Prot.ReadWrite, F), new MlockCall(0, B, 2 * P) };
        Assert.Null(Invariants.MlockPopulated(Run(null, calls)));
        Assert.Equal(nameof(Invariants.MlockPopulated), Invariants.MlockPopulated(Run(new Mutations(Mutation.MlockSkipsPopulate), calls))?.Check);
    }

    [Fact]
    public void ForkChildConsistent_reports_inherited_lock()
    {
        var calls = new Call[] { new MmapCall(0, B, 2 * P, Prot.ReadWrite, F), new MlockCall(0, B, P), new ForkCall(0) };
        Assert.Null(Invariants.ForkChildConsistent(Run(null, calls)));
        Assert.Equal(nameof(Invariants.ForkChildConsistent), Invariants.ForkChildConsistent(Run(new Mutations(Mutation.ChildKeepsLocked), calls))?.Check);
    }

    [Fact]
    public void ForkChildConsistent_reports_shared_anon_vma()
    {
        var m = Run(null, new MmapCall(0, B, P, Prot.ReadWrite, F), new TouchCall(0, B, true), new ForkCall(0));
        var child = m.Processes[1].Vmas.All().Single();
        child.AnonId = m.Processes[0].Vmas.All().Single().AnonId;
        Assert.Contains("fresh", Invariants.ForkChildConsistent(m)?.Message);
    }
}
