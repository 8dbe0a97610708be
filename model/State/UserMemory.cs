using AnonVma.Model.Abi;

namespace AnonVma.Model.State;

/// <summary>
/// A process's bytes as another reader sees them without faulting: what a user-pointer name shows when maps is read.
/// Pages never written read as zeros, as the zero page or a fresh page would.
/// </summary>
public static class UserMemory
{
    /// <summary>NAME_MAX: the most bytes the user-pointer design's seq_print_vma_name shows.</summary>
    public const int PointerNameMax = 255;

    /// <summary>
    /// The byte at <paramref name="addr"/>, or null where get_user_pages would fail for a read: no VMA, no VM_READ, or a
    /// file page past the end of the file.
    /// </summary>
    public static byte? Peek(Process p, ulong addr)
    {
        var v = p.Vmas.Containing(addr);
        if (v is null || (v.Flags & VmFlags.Read) == 0) return null;
        int off = (int)(addr & (Mem.PageSize - 1));
        if (p.Ptes.TryGetValue(addr >> Mem.PageShift, out var pte)) return pte.Folio.Data?[off] ?? 0;
        if (v.File is not { } f) return 0;
        ulong index = v.PgOff + ((addr - v.Start) >> Mem.PageShift);
        if (index * Mem.PageSize >= f.Size) return null;
        return f.Pages.TryGetValue(index, out var folio) ? folio.Data?[off] ?? 0 : (byte)0;
    }

    /// <summary>
    /// The user-pointer design's seq_print_vma_name (Colin Cross's patch, up to v7): the bytes from the pointer up to a
    /// NUL or NAME_MAX of them, unescaped, and "&lt;fault&gt;" where a page cannot be pinned.
    /// </summary>
    public static string PointerName(Process p, ulong addr)
    {
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < PointerNameMax; i++)
        {
            if (Peek(p, addr + (ulong)i) is not { } b) return sb.Append("<fault>").ToString();
            if (b == 0) break;
            sb.Append((char)b);
        }
        return sb.ToString();
    }
}
