using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mm->rss_stat, by Folio.Counter and Folio.CounterFile (include/linux/mm.h:mm_counter, mm_counter_file), counted where
// the kernel counts (set_pte_range, filemap_map_pages, do_anonymous_page, wp_page_copy, copy_present_ptes,
// zap_present_folio_ptes), never recounted.
public sealed partial class LinuxModel
{
    static void AddRss(Process p, RssCounter c, long pages) => p.Rss[(int)c] += pages;

    /// <summary>
    /// What kernel/fork.c:check_mm logs as p's mm is freed (its exit, or its kill at the trace's end): a line for each
    /// counter that is not zero, named as resident_page_types names it. "mm:…" stands for the hashed pointer.
    /// </summary>
    public static IEnumerable<string> CheckMm(Process p)
    {
        for (int i = 0; i < p.Rss.Length; i++)
            if (p.Rss[i] != 0)
                yield return $"BUG: Bad rss-counter state mm:… type:{ResidentPageTypes[i]} val:{p.Rss[i]}";
    }

    static readonly string[] ResidentPageTypes = ["MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES"];
}
