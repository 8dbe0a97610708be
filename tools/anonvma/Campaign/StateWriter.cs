using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// Writes state.json from a timer when it changed, at most once per <see cref="MinInterval"/>: workers commit a block
/// in memory and go on, and commits that land between two writes are saved together by the next. A kill therefore
/// loses only blocks in flight or committed since the last write (at most MinInterval ago), and those are redone from
/// their seeds on --resume. Without the interval a model-only worker commits about 100 blocks a second, and the fsync
/// and rename of each took 6% of a core (README, campaign targets).
/// </summary>
public sealed class StateWriter : IDisposable
{
    readonly CampaignDirectory dir;
    readonly Func<string> serialize;
    readonly Timer timer;
    readonly object writing = new();
    int dirty;
    bool disposed;
    Exception? failure;

    /// <summary>The shortest time between two background writes.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    /// <param name="serialize">Returns the state's JSON; called under the caller's own lock discipline (it must be safe to call at any time).</param>
    public StateWriter(CampaignDirectory dir, Func<string> serialize)
    {
        this.dir = dir;
        this.serialize = serialize;
        timer = new Timer(_ => WriteIfChanged(), null, MinInterval, MinInterval);
    }

    /// <summary>Asks for a write of the current state; returns at once.</summary>
    public void Changed()
    {
        if (Volatile.Read(ref failure) is { } e) throw new IOException($"writing {dir.StateFile} failed: {e.Message}", e);
        Volatile.Write(ref dirty, 1);
    }

    /// <summary>Writes the current state now, on the caller's thread, after any write in progress.</summary>
    public void Flush()
    {
        lock (writing)
        {
            Volatile.Write(ref dirty, 0);
            AtomicFile.Write(dir.StateFile, serialize());
        }
    }

    void WriteIfChanged()
    {
        lock (writing)
        {
            if (disposed || failure is not null || Interlocked.Exchange(ref dirty, 0) == 0) return;
            try { AtomicFile.Write(dir.StateFile, serialize()); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Volatile.Write(ref failure, e); }
        }
    }

    public void Dispose()
    {
        timer.Dispose();
        WriteIfChanged();
        lock (writing) disposed = true; // a timer callback already running finishes first; none writes after this
    }
}
