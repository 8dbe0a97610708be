using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mm->rss_stat, by Folio.Counter and Folio.CounterFile (include/linux/mm.h:mm_counter, mm_counter_file), counted where
// the kernel counts (set_pte_range, filemap_map_pages, do_anonymous_page, wp_page_copy, copy_present_ptes,
// zap_present_folio_ptes), never recounted.
public sealed partial class LinuxModel
{
    static void AddRss(Process p, RssCounter c, long pages) => p.Rss[(int)c] += pages;
}
