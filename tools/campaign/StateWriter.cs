namespace AnonVma.Campaign;

/// <summary>
/// Writes state.json on a thread of its own, as soon as it changes: workers commit a block in memory and go on,
/// and commits that land during one write are saved together by the next. A kill therefore loses only blocks in
/// flight or committed within the last write (milliseconds), and those are redone from their seeds on --resume.
/// </summary>
public sealed class StateWriter : IDisposable
{
    readonly CampaignDirectory dir;
    readonly Func<string> serialize;
    readonly Thread thread;
    readonly object gate = new();
    bool dirty, stopping;
    Exception? failure;

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
            dirty = true;
            Monitor.Pulse(gate);
        }
    }

    /// <summary>Writes the current state now, on the caller's thread, after any write in progress.</summary>
    public void Flush()
    {
        lock (gate)
        {
            while (dirty && failure is null && thread.IsAlive) Monitor.Wait(gate, 50);
        }
        AtomicFile.Write(dir.StateFile, serialize());
    }

    void Loop()
    {
        while (true)
        {
            lock (gate)
            {
                while (!dirty && !stopping) Monitor.Wait(gate);
                if (!dirty && stopping) return;
                dirty = false;
            }
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
