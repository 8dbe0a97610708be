using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

/// <summary>Where a name string was allocated, referenced or freed, for the designs' cost counts.</summary>
public enum NameSite { Prctl, Split, Fork, Merge, Unmap, Exit }

/// <summary>
/// What names cost one model run: string allocations (a copy counts as one), references taken and frees per site, and
/// the kmalloc bytes held, now and at most. The designs differ here even where maps cannot tell them apart.
/// </summary>
public sealed class NameCounts
{
    public readonly long[] Allocations = new long[Enum.GetValues<NameSite>().Length];
    public readonly long[] References = new long[Enum.GetValues<NameSite>().Length];
    public readonly long[] Frees = new long[Enum.GetValues<NameSite>().Length];
    public long BytesHeld, PeakBytes;

    /// <summary>Adds another run's counts (the peak is the larger one's: runs do not overlap).</summary>
    public void Add(NameCounts o)
    {
        for (int i = 0; i < Allocations.Length; i++)
        {
            Allocations[i] += o.Allocations[i];
            References[i] += o.References[i];
            Frees[i] += o.Frees[i];
        }
        BytesHeld += o.BytesHeld;
        PeakBytes = Math.Max(PeakBytes, o.PeakBytes);
    }

    /// <summary>The slab size kmalloc gives <paramref name="bytes"/> (kmalloc-8 up to kmalloc-256, then powers of two).</summary>
    public static long KmallocSize(long bytes)
    {
        foreach (var size in new long[] { 8, 16, 32, 64, 96, 128, 192, 256 }) if (bytes <= size) return size;
        return (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)bytes);
    }
}

// The naming designs (NamingDesign): how a name is made, shared and read. Mainline is kernel/sys.c:prctl_set_vma,
// mm/madvise.c:madvise_set_anon_name and include/linux/mm_inline.h:anon_vma_name_reuse, dup_anon_vma_name.
public sealed partial class LinuxModel
{
    /// <summary>The names' costs so far.</summary>
    public NameCounts NameCounts { get; } = new();

    /// <summary>Name strings allocated by the most recent call.</summary>
    public long LastCallNameAllocations { get; private set; }

    NameSite nameSite;

    /// <summary>The cookie design's numbers, one per distinct name, as user space would hand them out.</summary>
    readonly Dictionary<string, long> cookies = new(StringComparer.Ordinal);

    /// <summary>The bytes one name string holds in the slab under this design.</summary>
    long NameBytes(AnonName n) => Profile.Naming switch
    {
        // struct anon_vma_name: a kref (4 bytes) and the string with its NUL.
        NamingDesign.Refcount => NameCounts.KmallocSize(4 + n.Value.Length + 1),
        NamingDesign.Strdup => NameCounts.KmallocSize(n.Value.Length + 1),
        _ => 0, // a pointer or a number in the vm_area_struct itself
    };

    AnonName NewName(string value, string? setText = null, ulong? pointer = null)
    {
        var n = new AnonName(nextNameId++, value, setText, pointer);
        liveNames.Add(n);
        long bytes = NameBytes(n);
        if (bytes > 0)
        {
            NameCounts.Allocations[(int)nameSite]++;
            LastCallNameAllocations++;
            NameCounts.BytesHeld += bytes;
            NameCounts.PeakBytes = Math.Max(NameCounts.PeakBytes, NameCounts.BytesHeld);
        }
        return n;
    }

    /// <summary>
    /// The name a copied VMA (a split's new half, a fork child's VMA, one more VMA the prctl covers) holds: the same
    /// object with one more reference (anon_vma_name_reuse), or under strdup a copy of its own.
    /// </summary>
    AnonName? NameShare(AnonName? n, NameSite site)
    {
        if (n is null) return null;
        var was = nameSite;
        nameSite = site;
        try
        {
            if (Profile.Naming == NamingDesign.Strdup) return NewName(n.Value, n.SetText, n.Pointer);
            NameGet(n);
            NameCounts.References[(int)site]++;
            return n;
        }
        finally { nameSite = was; }
    }

    /// <summary>Drops a VMA's hold on its name at <paramref name="site"/> (vma_close's free_anon_vma_name).</summary>
    void NameRelease(AnonName? n, NameSite site)
    {
        var was = nameSite;
        nameSite = site;
        NamePut(n);
        nameSite = was;
    }

    void CountFree(AnonName n)
    {
        long bytes = NameBytes(n);
        if (bytes == 0) return;
        NameCounts.Frees[(int)nameSite]++;
        NameCounts.BytesHeld -= bytes;
    }

    /// <summary>
    /// prctl_set_vma's name: NULL clears; a string the caller passes (the executor's own buffer) or one read from the
    /// arena at <paramref name="from"/>; under user-pointer the pointer itself. Null with an error when refused.
    /// </summary>
    (AnonName? Name, Errno Err) MakeName(Process p, string? text, bool badPointer, ulong from)
    {
        if (Profile.Naming == NamingDesign.UserPointer && (badPointer || from != 0))
        {
            // Nothing is read or checked when the name is set: the VMA keeps the address.
            ulong at = badPointer ? 1 : from;
            return (NewName($"@0x{at:x}", UserMemory.PointerName(p, at), at), 0);
        }
        if (badPointer) return (null, Errno.EFAULT);
        if (from != 0)
        {
            var (read, err) = StrndupUser(p, from, Prctl.AnonNameMax);
            if (err != 0) return (null, err);
            text = read;
        }
        if (text is null) return (null, 0);
        int nul = text.IndexOf('\0');
        if (nul >= 0) text = text[..nul];
        switch (Profile.Naming)
        {
            case NamingDesign.Cookie:
                // The kernel sees only the number; what it stands for is user space's business, unchecked.
                if (!cookies.TryGetValue(text, out long cookie)) cookies[text] = cookie = cookies.Count + 1;
                return (NewName(cookie.ToString(System.Globalization.CultureInfo.InvariantCulture), text), 0);
            case NamingDesign.UserPointer:
                // A string in the executor's buffer, which nothing in a trace can change: shown as it is, unchecked.
                return (NewName(text), 0);
        }
        int max = Mutated(Mutation.Accept80ByteName) ? Prctl.AnonNameMax + 1 : Prctl.AnonNameMax;
        if (text.Length + 1 > max || !NameRules.IsValid(text)) return (null, Errno.EINVAL);
        return (NewName(text), 0);
    }

    /// <summary>
    /// strndup_user(from, max): strnlen_user reads the string (faulting its pages in as a read would; EFAULT where it
    /// cannot), EINVAL when no NUL comes within max bytes; the aligned words it reads never cross into a page the
    /// string does not reach.
    /// </summary>
    (string? Text, Errno Err) StrndupUser(Process p, ulong from, int max)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < max; i++)
        {
            ulong at = from + (ulong)i;
            if (i == 0 || (at & (Mem.PageSize - 1)) == 0)
                if (TouchGrowingStack(p, at & ~(Mem.PageSize - 1), write: false).Kind != OutcomeKind.Value) return (null, Errno.EFAULT);
            byte b = p.Ptes.TryGetValue(at >> Mem.PageShift, out var pte) ? pte.Folio.Data?[(int)(at & (Mem.PageSize - 1))] ?? 0 : (byte)0;
            if (b == 0) return (sb.ToString(), 0);
            sb.Append((char)b);
        }
        return (null, Errno.EINVAL);
    }

    /// <summary>A one-byte store: the write's fault, then the byte in the page it reached.</summary>
    Outcome Store(Process p, ulong addr, byte value)
    {
        var r = TouchGrowingStack(p, addr, write: true);
        if (r.Kind != OutcomeKind.Value) return r;
        var folio = p.Ptes[addr >> Mem.PageShift].Folio;
        (folio.Data ??= new PageBytes()).Set((int)(addr & (Mem.PageSize - 1)), value);
        return r;
    }
}
