using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// mm->rss_stat: include/linux/mm.h:mm_counter, mm_counter_file; counted where the kernel counts (set_pte_range,
// filemap_map_pages, do_anonymous_page, wp_page_copy, copy_present_ptes, zap_present_folio_ptes), never recounted.
public sealed partial class LinuxModel
{
    /// <summary>mm_counter_file: a swap-backed folio (shmem, and anonymous memory) counts as MM_SHMEMPAGES, else MM_FILEPAGES.</summary>
    static RssCounter MmCounterFile(Folio f) => f.SwapBacked ? RssCounter.ShmemPages : RssCounter.FilePages;

    /// <summary>mm_counter: an anonymous folio counts as MM_ANONPAGES, any other as mm_counter_file says.</summary>
    static RssCounter MmCounter(Folio f) => f.Anon ? RssCounter.AnonPages : MmCounterFile(f);

    static void AddRss(Process p, RssCounter c, long pages) => p.Rss[(int)c] += pages;
}
