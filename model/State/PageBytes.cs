namespace AnonVma.Model.State;

/// <summary>
/// The bytes of a page that a trace wrote, by offset; every other byte is zero. Sparse because a trace writes a few
/// bytes of a page (a touch writes one, a name up to 80), and every written page of every model run carries one.
/// </summary>
public sealed class PageBytes
{
    (ushort Offset, byte Value)[] bytes = [];

    /// <summary>The byte at <paramref name="offset"/>: the last value written there, or zero.</summary>
    public byte this[int offset]
    {
        get
        {
            foreach (var (o, v) in bytes) if (o == offset) return v;
            return 0;
        }
    }

    public void Set(int offset, byte value)
    {
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i].Offset == offset) { bytes[i].Value = value; return; }
        Array.Resize(ref bytes, bytes.Length + 1);
        bytes[^1] = ((ushort)offset, value);
    }

    /// <summary>A copy for a page that copy-on-write makes.</summary>
    public PageBytes Clone() => new() { bytes = (ValueTuple<ushort, byte>[])bytes.Clone() };
}
