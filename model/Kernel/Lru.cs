using AnonVma.Model.Abi;
using AnonVma.Model.State;

namespace AnonVma.Model.Kernel;

// The LRU and its per-CPU batches: mm/swap.c (folio_add_lru, folio_add_lru_vma, folio_mark_accessed, folio_activate, folio_deactivate,
// folio_mark_lazyfree,
// __lru_cache_activate_folio, lru_add, lru_activate, lru_deactivate, lru_lazyfree, lru_add_drain_cpu), mm/mlock.c (mlock_folio, mlock_new_folio,
// munlock_folio, __mlock_folio, __mlock_new_folio, __munlock_folio, mlock_folio_batch, mlock_drain_local).
//
// The executor pins every process of a trace to one CPU, so one set of batches serves them all, and drains them before
// every call (LinuxModel.Apply does the same), so within a call they hold only the trace's own folios
// (docs/NONDETERMINISM.md).
public sealed partial class LinuxModel
{
    /// <summary>PAGEVEC_SIZE: a folio_batch holds 31 folios and is drained when it fills.</summary>
    const int BatchSize = 31;

    enum MlockOp { Mlock, New, Munlock }

    readonly List<Folio> lruAddBatch = new();
    readonly List<Folio> activateBatch = new();
    readonly List<Folio> deactivateBatch = new();
    readonly List<Folio> lazyfreeBatch = new();
    readonly List<(Folio folio, MlockOp op)> mlockBatch = new();

    /// <summary>The per-CPU batches' entries in order (batch letter, folio), for the exhaustive search's state key.</summary>
    public IEnumerable<(char Batch, Folio Folio)> BatchEntries()
    {
        foreach (var f in lruAddBatch) yield return ('a', f);
        foreach (var f in deactivateBatch) yield return ('d', f);
        foreach (var f in lazyfreeBatch) yield return ('l', f);
        foreach (var f in activateBatch) yield return ('v', f);
        foreach (var (f, op) in mlockBatch) yield return (op switch { MlockOp.Mlock => 'm', MlockOp.New => 'n', _ => 'u' }, f);
    }

    /// <summary>folio_add_lru_vma: a new anonymous folio goes to the mlock batch in a locked VMA, else to lru_add.</summary>
    void AddLruVma(Folio folio, Vma v)
    {
        if ((v.Flags & (VmFlags.Locked | VmFlags.Special)) == VmFlags.Locked) MlockNew(folio);
        else AddLru(folio);
    }

    /// <summary>folio_add_lru: new folios (anonymous or page cache) wait in the lru_add batch, off the LRU.</summary>
    void AddLru(Folio folio)
    {
        folio.BatchRefs++;
        lruAddBatch.Add(folio);
        if (lruAddBatch.Count == BatchSize) DrainLruAdd();
    }

    /// <summary>mlock_vma_folio: mapping a folio into a locked VMA mlocks it.</summary>
    void MlockVma(Folio folio, Vma v)
    {
        if (!folio.IsZero && (v.Flags & (VmFlags.Locked | VmFlags.Special)) == VmFlags.Locked) MlockFolio(folio);
    }

    /// <summary>munlock_vma_folio: removing a folio's mapping from a locked VMA munlocks it.</summary>
    void MunlockVma(Folio folio, Vma v)
    {
        if (!folio.IsZero && (v.Flags & VmFlags.Locked) != 0) MunlockFolio(folio);
    }

    void MlockFolio(Folio folio)
    {
        folio.Mlocked = true;
        AddMlockEntry(folio, MlockOp.Mlock);
    }

    void MlockNew(Folio folio)
    {
        folio.Mlocked = true;
        AddMlockEntry(folio, MlockOp.New);
    }

    void MunlockFolio(Folio folio) => AddMlockEntry(folio, MlockOp.Munlock);

    void AddMlockEntry(Folio folio, MlockOp op)
    {
        folio.BatchRefs++;
        mlockBatch.Add((folio, op));
        if (mlockBatch.Count == BatchSize) DrainMlock();
    }

    /// <summary>
    /// folio_mark_accessed (without MGLRU): the first access sets PG_referenced; a second one on an evictable, inactive
    /// folio queues its activation and clears PG_referenced again; an unevictable folio is left alone.
    /// </summary>
    void MarkAccessed(Folio folio)
    {
        if (folio.IsZero) return;
        if (!folio.Referenced) { folio.Referenced = true; return; }
        if (folio.Unevictable || folio.Active) return;
        if (folio.Lru)
        {
            // folio_activate: queued with a reference; the folio stays on its list until the drain.
            folio.BatchRefs++;
            activateBatch.Add(folio);
            if (activateBatch.Count == BatchSize) DrainActivate();
        }
        else if (lruAddBatch.Contains(folio))
        {
            folio.Active = true; // __lru_cache_activate_folio: found in the local lru_add batch
        }
        folio.Referenced = false;
    }

    /// <summary>lru_add_drain: this CPU's lru_add, deactivate, lazyfree and activate batches (lru_add_drain_cpu), then its mlock batch.</summary>
    void DrainLocal()
    {
        DrainLruAdd();
        DrainDeactivate();
        DrainLazyFree();
        DrainActivate();
        DrainMlock();
    }

    /// <summary>folio_mark_lazyfree: an anonymous, swap-backed, evictable folio on the LRU is queued (with a reference) for lru_lazyfree.</summary>
    void MarkLazyFree(Folio folio)
    {
        if (!folio.Anon || !folio.SwapBacked || !folio.Lru || folio.Unevictable) return;
        folio.BatchRefs++;
        lazyfreeBatch.Add(folio);
        if (lazyfreeBatch.Count == BatchSize) DrainLazyFree();
    }

    /// <summary>folio_batch_move_lru(lru_lazyfree): such a folio still on the LRU loses PG_active, PG_referenced and PG_swapbacked (the inactive file list).</summary>
    void DrainLazyFree()
    {
        foreach (var f in lazyfreeBatch)
        {
            if (f.Lru && f.Anon && f.SwapBacked && !f.Unevictable)
            {
                f.Active = false;
                f.Referenced = false;
                f.SwapBacked = false;
            }
            f.BatchRefs--;
        }
        lazyfreeBatch.Clear();
    }

    /// <summary>folio_deactivate: an active, evictable folio on the LRU is queued (with a reference) to move to the inactive list.</summary>
    void Deactivate(Folio folio)
    {
        if (folio.Unevictable || !folio.Lru || !folio.Active) return;
        folio.BatchRefs++;
        deactivateBatch.Add(folio);
        if (deactivateBatch.Count == BatchSize) DrainDeactivate();
    }

    /// <summary>folio_batch_move_lru(lru_deactivate): a folio still on the LRU, active and evictable, loses PG_active and PG_referenced.</summary>
    void DrainDeactivate()
    {
        foreach (var f in deactivateBatch)
        {
            if (f.Lru && !f.Unevictable && f.Active)
            {
                f.Active = false;
                f.Referenced = false;
            }
            f.BatchRefs--;
        }
        deactivateBatch.Clear();
    }

    /// <summary>folio_batch_move_lru(lru_add): lru_add puts each folio on its list, the unevictable one if mlocked.</summary>
    void DrainLruAdd()
    {
        foreach (var f in lruAddBatch)
        {
            f.Unevictable = false;
            if (f.Mlocked)
            {
                f.Active = false;
                f.Unevictable = true;
                f.MlockCount = 0;
            }
            f.Lru = true;
            f.BatchRefs--;
        }
        lruAddBatch.Clear();
    }

    /// <summary>folio_batch_move_lru(lru_activate): a folio still on the LRU becomes active unless unevictable.</summary>
    void DrainActivate()
    {
        foreach (var f in activateBatch)
        {
            if (f.Lru && !f.Unevictable) f.Active = true;
            f.BatchRefs--;
        }
        activateBatch.Clear();
    }

    /// <summary>mlock_folio_batch.</summary>
    void DrainMlock()
    {
        foreach (var (f, op) in mlockBatch)
        {
            switch (op)
            {
                case MlockOp.Mlock: MlockOnLru(f); break;
                case MlockOp.New: MlockNewOnLru(f); break;
                case MlockOp.Munlock: MunlockOnLru(f); break;
            }
            f.BatchRefs--;
        }
        mlockBatch.Clear();
    }

    /// <summary>__mlock_folio: only a folio on the LRU moves; an evictable one is rescued, else it joins the unevictable list.</summary>
    static void MlockOnLru(Folio f)
    {
        if (!f.Lru) return;
        if (!f.Mlocked) f.Unevictable = false;
        else if (f.Unevictable) f.MlockCount++;
        else
        {
            f.Active = false;
            f.Unevictable = true;
            f.MlockCount = 1;
        }
    }

    /// <summary>__mlock_new_folio: the new folio goes on the LRU, the unevictable list if still mlocked.</summary>
    static void MlockNewOnLru(Folio f)
    {
        if (f.Mlocked)
        {
            f.Unevictable = true;
            f.MlockCount = 1;
        }
        f.Lru = true;
    }

    /// <summary>__munlock_folio: the last mlock of a folio on the LRU clears PG_mlocked and rescues it.</summary>
    static void MunlockOnLru(Folio f)
    {
        bool isolated = f.Lru;
        if (isolated && f.Unevictable)
        {
            if (f.MlockCount > 0) f.MlockCount--;
            if (f.MlockCount > 0) return;
        }
        f.Mlocked = false;
        if (isolated && f.Unevictable) f.Unevictable = false;
    }
}
