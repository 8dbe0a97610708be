using AnonVma.Traces.Generate;
using AnonVma.Model;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AnonVma.Properties.Pure;

/// <summary>Fork's copy-on-write VMA sharing is an optimisation only: with it on or off, every observation is the same.</summary>
public class ForkSharingProperties
{
    [Property(MaxTest = 300)]
    public Property Sharing_VMAs_on_fork_changes_no_observation() => Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
    {
        var trace = Realiser.Random(seed, 60, KernelProfile.Linux612);
        foreach (var profile in KernelProfile.All)
        {
            var shared = new LinuxModel(profile) { TracksMergeSites = true };
            var copied = new LinuxModel(profile) { ForkSharesVmas = false, TracksMergeSites = true };
            for (int i = 0; i < trace.Calls.Count; i++)
            {
                var call = trace.Calls[i];
                var a = shared.Apply(call);
                var b = copied.Apply(call);
                if (a != b) return $"seed {seed} {profile.Name} call {i} {call}: {a} with sharing, {b} without".ToFailure();
                foreach (var p in shared.Processes.Where(p => p.Running))
                {
                    var q = copied.Processes[p.Index];
                    if (Scenarios.Scenario.SmapsText(p) != Scenarios.Scenario.SmapsText(q))
                        return $"seed {seed} {profile.Name} call {i} {call}: p{p.Index} smaps differ\n{Scenarios.Scenario.SmapsText(p)}\n--- without sharing ---\n{Scenarios.Scenario.SmapsText(q)}".ToFailure();
                }
                if (Invariants.First(copied) is { } w) return $"COPIED seed {seed} {profile.Name} call {i} {call}: {w}".ToFailure();
                if (Invariants.First(shared) is { } v) return $"seed {seed} {profile.Name} call {i} {call}: {v}".ToFailure();
            }
        }
        return true.ToProperty();
    });
}

static class PropertyText
{
    /// <summary>A failed property whose label says what went wrong.</summary>
    public static Property ToFailure(this string why) => false.Label(why);
}
