using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// Writes state.json on a thread of its own when it changes, at most once per <see cref="MinInterval"/>: workers
/// commit a block in memory and go on, and commits that land between two writes are saved together by the next. A
/// kill therefore loses only blocks in flight or committed since the last write (at most MinInterval ago), and those
/// are redone from their seeds on --resume. Without the interval a model-only worker commits about 100 blocks a
/// second, and the fsync and rename of each took 6% of a core (README, campaign targets).
/// </summary>
public sealed class StateWriter : IDisposable
{
    readonly CampaignDirectory dir;
    readonly Func<string> serialize;
    readonly Thread thread;
    readonly object gate = new();
    bool dirty, stopping, flushing;
    Exception? failure;

    /// <summary>The shortest time between two background writes.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <param name="serialize">Returns the state's JSON; called under the caller's own lock discipline (it must be safe to call at any time).</param>
    public StateWriter(CampaignDirectory dir, Func<string> serialize)
    {
        this.dir = dir;
        this.serialize = serialize;
        thread = new Thread(Loop) { IsBackground = true, Name = "campaign-state-writer" };
        thread.Start();
    }

    /// <summary>Asks for a write of the current state; returns at once.</summary>
    public void Changed()
    {
        lock (gate)
        {
            if (failure is not null) throw new IOException($"writing {dir.StateFile} failed: {failure.Message}", failure);
            if (dirty) return; // the writer already knows
            dirty = true;
            Monitor.PulseAll(gate);
        }
    }

    /// <summary>Writes the current state now, on the caller's thread, after any write in progress.</summary>
    public void Flush()
    {
        lock (gate)
        {
            flushing = true;
            Monitor.PulseAll(gate);
            while (dirty && failure is null && thread.IsAlive) Monitor.Wait(gate, 50);
            flushing = false;
        }
        AtomicFile.Write(dir.StateFile, serialize());
    }

    void Loop()
    {
        var sinceWrite = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            lock (gate)
            {
                while (!dirty && !stopping) Monitor.Wait(gate);
                if (!dirty && stopping) return;
                // Let further commits gather, unless the session is ending.
                for (var left = MinInterval - sinceWrite.Elapsed; !stopping && !flushing && left > TimeSpan.Zero; left = MinInterval - sinceWrite.Elapsed)
                    Monitor.Wait(gate, left);
                dirty = false;
            }
            sinceWrite.Restart();
            try
            {
                AtomicFile.Write(dir.StateFile, serialize());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lock (gate) { failure = e; Monitor.PulseAll(gate); }
                return;
            }
            lock (gate) Monitor.PulseAll(gate);
        }
    }

    public void Dispose()
    {
        lock (gate) { stopping = true; Monitor.PulseAll(gate); }
        thread.Join();
    }
}
