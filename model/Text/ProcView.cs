using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Text;

/// <summary>Renders a modelled process's /proc/PID/maps and smaps, byte for byte as Linux 6.12 prints them.</summary>
public static class ProcView
{
    /// <summary>PSS_SHIFT: Pss is accumulated in 1/4096 bytes.</summary>
    const int PssShift = 12;

    /// <summary>
    /// The maps line of one VMA, with get_vma_name's precedence (file, then [anon:NAME]). A user-pointer name is read
    /// from <paramref name="p"/>'s memory (without the faults get_user_pages would take: a read of maps stays an
    /// observation here).
    /// </summary>
    public static MapsLine Line(Vma v, Process? p = null)
    {
        var perms = new string([
            (v.Flags & VmFlags.Read) != 0 ? 'r' : '-', (v.Flags & VmFlags.Write) != 0 ? 'w' : '-',
            (v.Flags & VmFlags.Exec) != 0 ? 'x' : '-', (v.Flags & VmFlags.MayShare) != 0 ? 's' : 'p']);
        if (v.File is { } f)
        {
            string name = v.Name is { } n ? $"[anon_shmem:{Shown(n, p)}]" : f.Path;
            var (maj, min) = f.Kind == FileKind.Regular ? (0x08u, 0x01u) : (0x00u, 0x01u);
            return new MapsLine(v.Start, v.End, perms, v.PgOff << Mem.PageShift, maj, min, (ulong)f.Id, name);
        }
        return new MapsLine(v.Start, v.End, perms, 0, 0, 0, 0, v.Name is { } an ? $"[anon:{Shown(an, p)}]" : null);
    }

    /// <summary>The text between "[anon:" and "]": the string kept, or what the pointer reaches now.</summary>
    public static string Shown(AnonName n, Process? p) =>
        n.Pointer is { } at ? p is null ? throw new ArgumentException("a user-pointer name is read from its process") : UserMemory.PointerName(p, at) : n.Value;

    /// <summary>The maps lines of a process's VMAs, without newlines.</summary>
    public static IEnumerable<string> MapsLines(Process p) => p.Vmas.All().Select(v => Line(v, p).Render());

    /// <summary>The smaps lines of a process's VMAs, without newlines.</summary>
    public static IEnumerable<string> SmapsLines(Process p) => p.Vmas.All().SelectMany(v => Block(p, v).RenderLines());

    /// <summary>smap_gather_stats + smaps_account for one VMA.</summary>
    public static SmapsBlock Block(Process p, Vma v)
    {
        ulong resident = 0, pss = 0, pssDirty = 0, pssLocked = 0, sharedClean = 0, sharedDirty = 0, privateClean = 0,
              privateDirty = 0, referenced = 0, anonymous = 0, lazyFree = 0;
        bool locked = (v.Flags & VmFlags.Locked) != 0;
        foreach (var (_, pte) in p.Present(v.Start >> Mem.PageShift, v.End >> Mem.PageShift))
        {
            if (pte.Folio.IsZero) continue;
            const ulong size = Mem.PageSize;
            var folio = pte.Folio;
            if (folio.Anon)
            {
                anonymous += size;
                if (!folio.SwapBacked && !pte.Dirty && !folio.Dirty) lazyFree += size; // a clean MADV_FREE page
            }
            resident += size;
            if (pte.Young || folio.Referenced) referenced += size;
            int mapcount = folio.MapCount;
            ulong pagePss = size << PssShift;
            if (mapcount >= 2) pagePss /= (ulong)mapcount;
            bool priv = mapcount < 2;
            pss += pagePss;
            if (locked) pssLocked += pagePss;
            if (pte.Dirty || folio.Dirty)
            {
                pssDirty += pagePss;
                if (priv) privateDirty += size; else sharedDirty += size;
            }
            else if (priv) privateClean += size;
            else sharedClean += size;
        }
        var c = new SmapsCounters
        {
            Size = (v.End - v.Start) >> 10, Rss = resident >> 10, Pss = pss >> (10 + PssShift), PssDirty = pssDirty >> (10 + PssShift),
            SharedClean = sharedClean >> 10, SharedDirty = sharedDirty >> 10, PrivateClean = privateClean >> 10,
            PrivateDirty = privateDirty >> 10, Referenced = referenced >> 10, Anonymous = anonymous >> 10, LazyFree = lazyFree >> 10,
            Locked = pssLocked >> (10 + PssShift),
        };
        return new SmapsBlock(Line(v, p), c, 0, v.Flags);
    }
}
