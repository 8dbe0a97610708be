using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;

namespace AnonVma.Campaign;

/// <summary>
/// One stream of blocks and the suite that checks them. The "main" lane runs the invariants and then this machine's
/// kernel on every worker; the "qemu" lane walks the same seeds at its own pace, one QEMU batch per block, on a thread
/// of its own beside the workers. Each lane has its own done set, so either can stop and resume independently.
/// </summary>
/// <param name="Kernel">"native", "qemu", or "model" when no kernel is involved: whose difference a finding is.</param>
/// <param name="NewSuite">A suite for one worker (oracles hold per-run state, so workers do not share them).</param>
/// <param name="Judge">The real kernel the lane checks against, or null for invariants only.</param>
public sealed record Lane(string Name, string Kernel, SeedBlocks Blocks, DoneBlocks Done, Func<Suite> NewSuite, IJudge? Judge)
{
    readonly object gate = new();
    readonly HashSet<long> inFlight = [];
    long next;

    public bool ChecksInvariants => Name == "main";

    /// <summary>
    /// A faster suite to shrink this lane's findings with, when they show there too (this machine's kernel for the
    /// QEMU lane): the result is then confirmed by one run of the lane's own suite. Null when there is none.
    /// </summary>
    public Func<Suite>? ShrinkStandIn { get; init; }

    /// <summary>Findings of this lane that an earlier session saved but did not shrink: workers shrink them before taking blocks.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<FindingRecord> Pending { get; } = new();

    /// <summary>The profile a finding of this lane was judged under, for its saved trace's header.</summary>
    public string ProfileOf(string findingJudge) => findingJudge == "model" ? KernelProfile.Linux612.Name : Judge?.Profile.Name ?? KernelProfile.Linux612.Name;

    /// <summary>The next block this shard owns that is neither done nor being worked on, or null when none is left.</summary>
    public long? Claim()
    {
        lock (gate)
        {
            for (long k = next; Blocks.BlockCount is not { } n || k < n; k++)
            {
                if (!Blocks.InShard(k) || Done.Contains(k) || inFlight.Contains(k)) continue;
                inFlight.Add(k);
                next = k + 1;
                return k;
            }
            return null;
        }
    }

    /// <summary>Gives an unfinished block back (cancelled): it will be claimed again, now or on --resume.</summary>
    public void Release(long block)
    {
        lock (gate)
        {
            inFlight.Remove(block);
            next = Math.Min(next, block);
        }
    }

    /// <summary>Marks a block done; the caller writes the state.</summary>
    public void Complete(long block)
    {
        lock (gate)
        {
            inFlight.Remove(block);
            Done.Add(block);
        }
    }

    /// <summary>Whether every block of a bounded campaign is done (never, for a time-bounded one): a lane does only its shard's blocks.</summary>
    public bool Finished => Blocks.ShardSeeds() is { } total && SeedsDone >= total;

    public long SeedsDone { get { lock (gate) return Blocks.SeedsIn(Done.Ranges); } }
}
