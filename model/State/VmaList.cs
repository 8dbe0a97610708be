using System.Runtime.CompilerServices;

namespace AnonVma.Model.State;

/// <summary>
/// The ordered VMAs of one mm: a list of sorted chunks, so lookups are O(log n) and an insert or removal moves at
/// most one chunk plus the chunk index (a flat B+tree leaf level). Callers may change Start/End in place as long as
/// the order is kept, which every split and merge does.
/// </summary>
public sealed class VmaList
{
    const int ChunkMax = 64;
    readonly List<List<Vma>> chunks = new();

    public int Count { get; private set; }

    /// <summary>Index of the last chunk whose first VMA starts at or below addr (0 when none does).</summary>
    int ChunkFor(ulong addr)
    {
        int lo = 0, hi = chunks.Count - 1, ans = 0;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            if (chunks[mid][0].Start <= addr) { ans = mid; lo = mid + 1; } else hi = mid - 1;
        }
        return ans;
    }

    /// <summary>find_vma: the first VMA with End &gt; addr.</summary>
    public Vma? FirstEndingAfter(ulong addr)
    {
        if (Count == 0) return null;
        for (int c = ChunkFor(addr); c < chunks.Count; c++)
        {
            var ch = chunks[c];
            int lo = 0, hi = ch.Count - 1, ans = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (ch[mid].End > addr) { ans = mid; hi = mid - 1; } else lo = mid + 1;
            }
            if (ans >= 0) return ch[ans];
        }
        return null;
    }

    /// <summary>The VMA containing addr, or null.</summary>
    public Vma? Containing(ulong addr)
    {
        var v = FirstEndingAfter(addr);
        return v is not null && v.Start <= addr ? v : null;
    }

    /// <summary>The last VMA that starts below addr (vma_prev of a VMA starting at addr).</summary>
    public Vma? LastStartingBelow(ulong addr)
    {
        if (Count == 0) return null;
        int c = ChunkFor(addr);
        for (; c >= 0; c--)
        {
            var ch = chunks[c];
            int lo = 0, hi = ch.Count - 1, ans = -1;
            while (lo <= hi)
            {
                int mid = (lo + hi) >>> 1;
                if (ch[mid].Start < addr) { ans = mid; lo = mid + 1; } else hi = mid - 1;
            }
            if (ans >= 0) return ch[ans];
        }
        return null;
    }

    /// <summary>The VMAs just before and after v, found with one search.</summary>
    public (Vma? Prev, Vma? Next) Neighbours(Vma v)
    {
        int c = ChunkFor(v.Start);
        var ch = chunks[c];
        int pos = LowerBound(ch, v.Start);
        while (pos < ch.Count && ch[pos] != v) pos++;
        if (pos >= ch.Count) throw new InvalidOperationException($"VMA {v} is not in the list");
        Vma? prev = pos > 0 ? ch[pos - 1] : c > 0 ? chunks[c - 1][^1] : null;
        Vma? next = pos + 1 < ch.Count ? ch[pos + 1] : c + 1 < chunks.Count ? chunks[c + 1][0] : null;
        return (prev, next);
    }

    /// <summary>The VMA after v (the first starting at or above v.End).</summary>
    public Vma? Next(Vma v) => FirstEndingAfter(v.End) is { } n && n != v ? n : null;

    /// <summary>The VMA before v.</summary>
    public Vma? Prev(Vma v) => LastStartingBelow(v.Start);

    public void Insert(Vma v)
    {
        Count++;
        if (chunks.Count == 0) { chunks.Add(new List<Vma>(ChunkMax) { v }); return; }
        int c = ChunkFor(v.Start);
        var ch = chunks[c];
        int pos = LowerBound(ch, v.Start);
        ch.Insert(pos, v);
        if (ch.Count > ChunkMax)
        {
            var upper = ch.GetRange(ChunkMax / 2, ch.Count - ChunkMax / 2);
            ch.RemoveRange(ChunkMax / 2, ch.Count - ChunkMax / 2);
            chunks.Insert(c + 1, upper);
        }
    }

    public void Remove(Vma v)
    {
        int c = ChunkFor(v.Start);
        var ch = chunks[c];
        int pos = LowerBound(ch, v.Start);
        if (pos >= ch.Count || ch[pos] != v) throw new InvalidOperationException($"VMA {v} is not in the list");
        ch.RemoveAt(pos);
        Count--;
        if (ch.Count == 0) chunks.RemoveAt(c);
    }

    /// <summary>
    /// Copy-on-write for VMAs that fork shares between parent and child: returns v itself when this process alone
    /// holds it, otherwise a private copy that takes v's place in this list.
    /// </summary>
    public Vma Own(Vma v)
    {
        if (!v.Shared) return v;
        var ch = chunks[ChunkFor(v.Start)];
        int pos = LowerBound(ch, v.Start);
        while (pos < ch.Count && ch[pos] != v && ch[pos].Start == v.Start) pos++;
        if (pos >= ch.Count || ch[pos] != v) throw new InvalidOperationException($"VMA {v} is not in the list");
        var copy = v.CloneShallow();
        ch[pos] = copy;
        return copy;
    }

    static int LowerBound(List<Vma> ch, ulong start)
    {
        int lo = 0, hi = ch.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (ch[mid].Start < start) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>All VMAs in address order; a foreach over it allocates nothing.</summary>
    public Walk All() => new(chunks);

    /// <summary>The VMAs in address order as a struct, so the checks that walk every VMA after every call allocate nothing (LINQ still works on it).</summary>
    public readonly struct Walk(List<List<Vma>> chunks) : IEnumerable<Vma>
    {
        public Enumerator GetEnumerator() => new(chunks);
        IEnumerator<Vma> IEnumerable<Vma>.GetEnumerator() => GetEnumerator();
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// Walks the chunks with List's own enumerators, so changing the list during a walk still throws. MoveNext is small
    /// enough to inline into the loops of the checks; moving to the next chunk is the rare case.
    /// </summary>
    public struct Enumerator(List<List<Vma>> chunks) : IEnumerator<Vma>
    {
        List<List<Vma>>.Enumerator outer = chunks.GetEnumerator();
        List<Vma>.Enumerator inner = NoChunk.GetEnumerator();

        public Vma Current => inner.Current;
        object System.Collections.IEnumerator.Current => Current;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool MoveNext() => inner.MoveNext() || NextChunk();

        bool NextChunk()
        {
            while (outer.MoveNext())
            {
                inner = outer.Current.GetEnumerator();
                if (inner.MoveNext()) return true;
            }
            return false;
        }

        public readonly void Dispose() { }
        void System.Collections.IEnumerator.Reset() => throw new NotSupportedException();
    }

    /// <summary>Where a walk starts, before its first chunk.</summary>
    static readonly List<Vma> NoChunk = new();

    /// <summary>The sorted chunks, for whole-list walks on hot paths (fork) without an iterator.</summary>
    internal List<List<Vma>> Chunks => chunks;

    /// <summary>Appends a copy of a sorted chunk whose first VMA starts at or above the current last VMA's end (fork's fast path).</summary>
    internal void AppendAll(List<Vma> sorted)
    {
        if (sorted.Count == 0) return;
        var copy = new List<Vma>(ChunkMax);
        copy.AddRange(sorted);
        chunks.Add(copy);
        Count += sorted.Count;
    }

    /// <summary>Appends v, which must start at or above the current last VMA's end (fork's fast path).</summary>
    public void Append(Vma v)
    {
        Count++;
        if (chunks.Count == 0 || chunks[^1].Count >= ChunkMax) chunks.Add(new List<Vma>(ChunkMax));
        chunks[^1].Add(v);
    }
}
