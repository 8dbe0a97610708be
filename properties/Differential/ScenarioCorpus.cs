using System.Reflection;
using AnonVma.Model;
using AnonVma.Properties.Scenarios;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The named scenarios as traces: each [Fact] in Scenarios/ is run once with recording on, and every Scenario it
/// creates becomes a trace for that scenario's profile. This keeps the corpus in one place (the scenario code) while
/// letting the differential tests replay it on the real kernels.
/// </summary>
public static class ScenarioCorpus
{
    /// <summary>A scenario's calls and the profile it was written for.</summary>
    public sealed record Entry(string Name, KernelProfile Profile, Trace Trace);

    /// <summary>Covers every address most scenarios use (B up to B + 1 GiB), so the executor accepts them.</summary>
    public const ulong ArenaSize = 1UL << 30;

    /// <summary>The arena of one scenario: 1 GiB, or up to the end of its farthest mmap (the overcommit scenarios' huge ones).</summary>
    static ulong ArenaFor(IEnumerable<Call> calls) =>
        calls.OfType<MmapCall>().Select(m => m.Addr + AnonVma.Model.Abi.Mem.PageAlign(m.Len) - Scenario.B)
            .Where(n => n > ArenaSize && n < 1UL << 40).DefaultIfEmpty(ArenaSize).Max();

    static readonly Lazy<IReadOnlyList<Entry>> all = new(Collect);

    public static IReadOnlyList<Entry> All => all.Value;

    /// <summary>The entries a real kernel with this profile can judge: the same settings, and not model-only.</summary>
    public static IReadOnlyList<Entry> For(KernelProfile profile) =>
        All.Where(e => e.Profile == profile && !ModelOnly.ContainsKey(e.Name)).ToList();

    /// <summary>
    /// Scenarios no real kernel can judge, with the reason. Checked both ways by the tests: an entry here must still
    /// exist, and a scenario the executor rejects must be listed.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> ModelOnly = new Dictionary<string, string>
    {
        ["MmapScenarios.Hintless_mmaps_land_adjacent_and_merge"] =
            "placement without a hint is the model's documented simplification; the executor refuses hint-less mmaps",
    };

    static IReadOnlyList<Entry> Collect()
    {
        var entries = new List<Entry>();
        var classes = typeof(Scenario).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(Scenario).Namespace && t != typeof(Scenario) && t.IsClass && !t.IsAbstract);
        foreach (var type in classes.OrderBy(t => t.Name))
        foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.GetCustomAttribute<FactAttribute>() is not null).OrderBy(m => m.Name))
        {
            var recorded = new List<Scenario>();
            Scenario.Recorder.Value = recorded;
            try { m.Invoke(Activator.CreateInstance(type), null); }
            catch (TargetInvocationException e) { throw new InvalidOperationException($"scenario {type.Name}.{m.Name} fails on the model: {e.InnerException?.Message}", e.InnerException); }
            finally { Scenario.Recorder.Value = null; }
            for (int i = 0; i < recorded.Count; i++)
            {
                var s = recorded[i];
                if (s.Calls.Count == 0) continue;
                string name = $"{type.Name}.{m.Name}" + (recorded.Count > 1 ? $"-s{i}" : "");
                entries.Add(new Entry(name, s.Model.Profile, new Trace(name, Scenario.B, ArenaFor(s.Calls), s.Calls.ToArray())));
            }
        }
        return entries;
    }
}
