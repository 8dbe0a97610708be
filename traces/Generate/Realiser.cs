using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Calls;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;

namespace AnonVma.Traces.Generate;

/// <summary>
/// Turns abstract <see cref="Choice"/>s into concrete calls against a model's current state: the process is a live
/// one, ranges start at arena pages or at the process's VMA boundaries, and every range stays inside the arena. So
/// every sequence, however a shrinker cut it, is meaningful, and the executor accepts it. Coverage is counted on the
/// way, from the model's own view of each call.
/// </summary>
public sealed partial class Realiser
{
    const ulong P = Mem.PageSize;
    static readonly ulong[] Prots = FlagFamily.Prot.Generated;
    const string InvalidChars = "[]\\$`";

    readonly GeneratorSettings settings;
    readonly Coverage? coverage;
    readonly ulong arenaBase, arenaEnd;
    readonly List<Call> calls = new();
    bool forked;

    /// <param name="tracksMergeSites">Keep merge sites even without coverage (the invariants judge merges from them).</param>
    public Realiser(KernelProfile profile, GeneratorSettings? settings = null, Coverage? coverage = null, ulong arenaBase = Trace.DefaultArenaBase,
                    bool tracksMergeSites = false)
    {
        this.settings = settings ?? GeneratorSettings.Default;
        this.coverage = coverage;
        this.arenaBase = arenaBase;
        arenaEnd = arenaBase + (ulong)this.settings.ArenaPages * P;
        Model = new LinuxModel(profile) { TracksMergeSites = coverage is not null || tracksMergeSites };
    }

    /// <summary>The model the choices are realised against (the reference rules of the profile).</summary>
    public LinuxModel Model { get; }

    public IReadOnlyList<Call> Calls => calls;

    /// <summary>The trace of the calls so far.</summary>
    public Trace ToTrace(string id) => new(id, arenaBase, arenaEnd - arenaBase, calls.ToList());

    /// <summary>The seeded random trace of `length` calls (choices drawn from <see cref="Pcg32.ForSeed"/> until that many calls were made).</summary>
    public static Trace Random(long seed, int length, KernelProfile profile, GeneratorSettings? settings = null, Coverage? coverage = null) =>
        Random(seed, length, new Realiser(profile, settings, coverage));

    /// <summary>The seeded random trace of `length` calls, realised by a realiser the caller set up (with an <see cref="Applied"/> hook).</summary>
    public static Trace Random(long seed, int length, Realiser r)
    {
        var rng = Pcg32.ForSeed(seed);
        while (r.calls.Count < length) r.Next(Choice.Random(rng));
        return r.ToTrace($"gen-{seed}");
    }

    /// <summary>
    /// Called after each call is applied to <see cref="Model"/>, with its outcome, before coverage reads the model: a
    /// caller checks the invariants or records what the call showed in this same run, instead of running the model again.
    /// </summary>
    public Action<Call, Outcome>? Applied { get; init; }

    /// <summary>Realises one choice, applies it to the model and returns it; null when the choice makes no call here (a fork past the process limit, an exit of p0...).</summary>
    public Call? Next(Choice choice)
    {
        var c = choice.Clamp();
        var live = Model.Processes.Where(p => p.Running).ToList();
        var p = live[c.Proc % live.Count];
        var (addr, len, shape) = Range(p, c.Where, c.Size);
        int v = c.Variant;
        var spec = Pick(c.Kind);
        Call? call = spec.Name switch
        {
            // Calls whose arguments the generator chooses with the model's state in mind; every other call is drawn
            // from its table entry alone.
            "mmap" => shape == "gap" && v % 2 == 0 ? FillGap(p, addr, len) : Mmap(p, addr, len, v),
            "prctl" => Name(p.Index, addr, len, v),
            "write" when settings.NamesInMemory => Store(p, c.Where, v),
            "read" or "write" => Touch(p, c.Where, v, spec.Name == "write"),
            "munmap" when settings.Remaps && v % 2 == 1 => Mremap(p, addr, len, c.Where, v / 2),
            "madvise" when settings.MoreAdvice && v % 2 == 1 =>
                new MadviseCall(p.Index, addr, len, GeneratorSettings.LaterAdvice[v / 2 % GeneratorSettings.LaterAdvice.Length]),
            _ => FromTable(spec, p, addr, len, c.Size, v),
        };
        if (call is null) return null;
        var before = coverage is null ? default : Before(p, call, shape);
        calls.Add(call); // before applying: a call the model throws on is still the trace's last call
        var outcome = Model.Apply(call); // not inside Applied?.Invoke(...): with no hook its arguments are never evaluated
        Applied?.Invoke(call, outcome);
        if (coverage is not null) After(p, call, outcome, before);
        return call;
    }

    /// <summary>The call a choice's kind draws: the table's generated calls, each over a share of the kinds as large as its weight.</summary>
    static CallSpec Pick(int kind)
    {
        int k = kind % CallTable.GeneratedWeight;
        foreach (var spec in CallTable.Generated)
        {
            if (k < spec.Weight) return spec;
            k -= spec.Weight;
        }
        throw new InvalidOperationException("unreachable: kind is below the table's total weight");
    }

    /// <summary>A call built from its table entry: the range for its address and length, a generated value for each flags argument.</summary>
    Call? FromTable(CallSpec spec, Process p, ulong addr, ulong len, int size, int v)
    {
        bool allowed = spec.Effect switch
        {
            CallEffect.Fork => Model.Processes.Count < settings.MaxProcesses,
            CallEffect.Exit => p.Index != 0,
            CallEffect.NewHandle => Model.Files.Count < settings.MaxFiles,
            _ => true,
        };
        if (!allowed) return null;
        var args = spec.Args.Select(a => a.Kind switch
        {
            ArgKind.Address => new ArgValue(addr),
            ArgKind.Length => new ArgValue(len),
            ArgKind.Size => new ArgValue((ulong)(1 + size % 4) * P),
            ArgKind.Flags => new ArgValue(a.Family!.Generated[v % a.Family.Generated.Length]),
            ArgKind.Handle => ArgValue.Of(p.Handles.Count > 0 ? p.Handles.Keys.Order().ElementAt(v % p.Handles.Count) : -1),
            ArgKind.Bit => new ArgValue((ulong)(v % 2)),
            ArgKind.Constant => new ArgValue(a.ConstantValue),
            _ => throw new InvalidOperationException($"the generator has no rule for {spec.Name}'s {a.Label}; give the call its own case in Realiser.Next"),
        }).ToArray();
        return spec.Build(p.Index, args);
    }

    /// <summary>A range from a start anchor (an arena page, or one of the process's VMA boundaries) and a size.</summary>
    (ulong addr, ulong len, string? shape) Range(Process p, int where, int size)
    {
        var (bounds, gaps) = Layout(p);
        if (where % 8 == 7 && size < 52 && gaps.Count > 0)
        {
            // Exactly a hole between two VMAs: mapping or naming it is what merges on both sides.
            var (gs, ge) = gaps[where / 8 % gaps.Count];
            return (gs, ge - gs, "gap");
        }
        ulong anchor = arenaBase + (ulong)(where / 4 % settings.ArenaPages) * P;
        if (where % 4 != 0 && bounds.Count > 0) anchor = bounds[where / 4 % bounds.Count];
        ulong pages = (ulong)(1 + size % settings.MaxRangePages);
        if (anchor >= arenaEnd) anchor = arenaEnd - Math.Min(pages, (ulong)settings.ArenaPages) * P; // a range ending at the arena's end
        ulong end = Math.Min(anchor + pages * P, arenaEnd);
        ulong addr = anchor, len = end - anchor;
        if (size < 52) return (addr, len, null);
        switch ((size - 52) % 3)
        {
            case 0: return (addr, 0, "range/zero");
            case 1: return (addr, len - 0x123, "range/ragged");
            default:
                // The executor wants addr + PAGE_ALIGN(len) inside the arena, so a range at the arena's end moves down a page.
                if (anchor + len == arenaEnd && len == P) addr -= P;
                else if (anchor + len == arenaEnd) len -= P;
                return (addr + 0x10, len - 0x10, "range/misaligned");
        }
    }

    /// <summary>The process's VMAs that touch the arena, in address order.</summary>
    IEnumerable<Vma> ArenaVmas(Process p)
    {
        for (var v = p.Vmas.FirstEndingAfter(arenaBase); v is not null && v.Start < arenaEnd; v = p.Vmas.Next(v))
            yield return v;
    }

    /// <summary>The process's VMA boundaries in the arena, and the holes between two of its VMAs there.</summary>
    (List<ulong> Bounds, List<(ulong, ulong)> Gaps) Layout(Process p)
    {
        var (bounds, gaps) = (new List<ulong>(), new List<(ulong, ulong)>());
        Vma? prev = null;
        foreach (var v in ArenaVmas(p))
        {
            if (v.Start >= arenaBase && (bounds.Count == 0 || bounds[^1] != v.Start)) bounds.Add(v.Start);
            if (v.End <= arenaEnd) bounds.Add(v.End);
            if (prev is not null && prev.End < v.Start && prev.End >= arenaBase) gaps.Add((prev.End, v.Start));
            prev = v;
        }
        return (bounds, gaps);
    }

    Call Mmap(Process p, ulong addr, ulong len, int v)
    {
        int prot = (int)Prots[v % Prots.Length];
        int extra = (v / 48 % 6) switch { 3 => Map.Locked, 4 => Map.Populate, 5 => Map.NoReserve, _ => 0 };
        var handles = p.Handles.Keys.Order().ToList();
        if (settings.RefPages && v % 5 == 0)
            return new MmapCall(p.Index, addr, len, prot, Map.Private | Map.Fixed | Map.RefPage | extra, -1, NameSlot(v / 5));
        switch (v / 6 % 8)
        {
            case 3 or 4: return new MmapCall(p.Index, addr, len, prot, Map.Private | Map.Anonymous | Map.FixedNoReplace | extra);
            case 5: return new MmapCall(p.Index, addr, len, prot, Map.Shared | Map.Anonymous | Map.Fixed | extra);
            // A process holding memfds maps one (shared or private) in half of its mmaps, so that one file is often
            // mapped twice, shared and private, and its pages are shared, copied and dirtied; a process without one
            // creates one instead of a quarter of its mmaps.
            case 1 or 2 or 6 or 7 when handles.Count > 0:
                int type = v / 6 % 8 is 2 or 6 ? Map.Shared : Map.Private;
                return new MmapCall(p.Index, addr, len, prot, type | Map.Fixed | extra, handles[v / 48 % handles.Count], 0);
            case 6 or 7 when Model.Files.Count < settings.MaxFiles:
                return new MemfdCall(p.Index, (ulong)(1 + v % 4) * P);
            default: return new MmapCall(p.Index, addr, len, prot, Map.Private | Map.Anonymous | Map.Fixed | extra);
        }
    }

    /// <summary>
    /// An mremap of a range (see <see cref="GeneratorSettings.Remaps"/>): shrinking it, growing it from its VMA's end in
    /// place or with MREMAP_MAYMOVE, moving it to an arena page with MREMAP_FIXED (resized or not, with or without
    /// MREMAP_DONTUNMAP), keeping it with a hint, or with flags the kernel refuses. Every range the executor's rule
    /// asks to stay in the arena does.
    /// </summary>
    Call Mremap(Process p, ulong addr, ulong len, int where, int v)
    {
        addr &= ~(P - 1);
        ulong oldLen = Math.Max(P, len & ~(P - 1));
        // Mostly a range inside one of the process's VMAs, from its start or a page into it: what mremap can act on.
        var vmas = ArenaVmas(p).Where(vma => vma.Start >= arenaBase && vma.End <= arenaEnd).ToList();
        if (vmas.Count > 0 && where % 4 != 0)
        {
            var vma = vmas[where / 4 % vmas.Count];
            addr = vma.Start + (where % 4 == 3 && vma.Pages > 1 ? P : 0);
            oldLen = Math.Min(oldLen, vma.End - addr);
        }
        if (addr + oldLen > arenaEnd) oldLen = arenaEnd - addr;
        ulong dest = arenaBase + (ulong)((where / 4 + 1 + v / 8) % settings.ArenaPages) * P;
        ulong room = arenaEnd - addr;
        switch (v % 8)
        {
            case 0: return new MremapCall(p.Index, addr, oldLen, Math.Max(P, oldLen - P), 0, 0);
            case 1 or 2:
            {
                // From addr to the end of its VMA, grown by a page or two: in place when the space after it is free.
                var vma = p.Vmas.Containing(addr);
                ulong from = vma is null ? oldLen : Math.Min(vma.End, arenaEnd) - addr;
                ulong to = Math.Min(from + (ulong)(1 + v / 8 % 2) * P, room);
                return new MremapCall(p.Index, addr, from, to, v % 8 == 2 ? Remap.MayMove : 0, 0);
            }
            case 3 or 4:
            {
                ulong newLen = Math.Min(v % 8 == 3 ? oldLen : oldLen + P, arenaEnd - dest);
                return new MremapCall(p.Index, addr, oldLen, Math.Max(P, newLen), Remap.MayMove | Remap.Fixed, dest);
            }
            case 5: return new MremapCall(p.Index, addr, oldLen, oldLen, Remap.MayMove | Remap.Fixed | Remap.DontUnmap, Math.Min(dest, arenaEnd - oldLen));
            case 6: return new MremapCall(p.Index, addr, oldLen, oldLen, Remap.MayMove | Remap.DontUnmap, dest);
            default: return new MremapCall(p.Index, addr, oldLen, oldLen, (v / 8 % 2) == 0 ? Remap.Fixed : Remap.DontUnmap, dest);
        }
    }

    /// <summary>An mmap of a hole with the left neighbour's protection and type: the case that merges on both sides.</summary>
    Call FillGap(Process p, ulong addr, ulong len)
    {
        var left = p.Vmas.Containing(addr - 1)!;
        int prot = (int)(left.Flags & VmFlags.AccessMask);
        int type = left.File is null ? Map.Private | Map.Anonymous : (left.Flags & VmFlags.Shared) != 0 ? Map.Shared | Map.Anonymous : Map.Private | Map.Anonymous;
        return new MmapCall(p.Index, addr, len, prot, type | Map.Fixed);
    }

    /// <summary>A prctl naming call: mostly pool names and NULL, and the edge cases (79 and 80 bytes, invalid characters, a bad pointer, an option other than the name's).</summary>
    Call Name(int pid, ulong addr, ulong len, int v)
    {
        if (v % 9 == 8) return new NameCall(pid, addr, len, "x", Option: (ulong)(1 + v / 9 % 2));
        int r = v % 20, k = v / 20;
        return r switch
        {
            < 4 when settings.NamesInMemory => new NameCall(pid, addr, len, null, From: NameSlot(k)),
            < 12 => new NameCall(pid, addr, len, settings.NamePool[k % settings.NamePool.Count]),
            < 16 => new NameCall(pid, addr, len, null),
            16 => new NameCall(pid, addr, len, new string('n', Prctl.AnonNameMax - 1)),
            17 => new NameCall(pid, addr, len, new string('n', Prctl.AnonNameMax)),
            18 => new NameCall(pid, addr, len, $"a{InvalidChars[k % InvalidChars.Length]}b"),
            _ => new NameCall(pid, addr, len, null, BadPointer: true),
        };
    }

    /// <summary>Where names in memory live: the first bytes of an arena page.</summary>
    ulong NameSlot(int k) => arenaBase + (ulong)(k % settings.ArenaPages) * P;

    /// <summary>One of <see cref="GeneratorSettings.StoredBytes"/> into one of the first three bytes of a name slot.</summary>
    StoreCall Store(Process p, int where, int v) =>
        new(p.Index, NameSlot(where / 4) + (ulong)(v / 8 % 3), GeneratorSettings.StoredBytes[v % GeneratorSettings.StoredBytes.Length]);

    /// <summary>A byte in an arena page, or (mostly) in one of the process's mapped pages, read or written.</summary>
    TouchCall Touch(Process p, int where, int v, bool write)
    {
        ulong page = arenaBase + (ulong)(where / 4 % settings.ArenaPages) * P;
        if (where % 4 != 0)
        {
            var mapped = new List<ulong>();
            foreach (var vma in ArenaVmas(p))
                for (ulong a = Math.Max(vma.Start, arenaBase); a < Math.Min(vma.End, arenaEnd); a += P) mapped.Add(a);
            if (mapped.Count > 0) page = mapped[where / 4 % mapped.Count];
        }
        return new(p.Index, page + (ulong)(v % 8) * 512, write);
    }

    // ---- coverage ----

    /// <param name="Pages">What the page labels decided before the call (Realiser.Pages.cs).</param>
    readonly record struct Pre(Vma? AtStart, Vma? AtEnd, bool Hole, Vma? Touched, bool TouchedShared, PagePre Pages);

    Pre Before(Process p, Call call, string? shape)
    {
        coverage!.Hit("call/" + Kind(call));
        if (shape is not null && shape != "gap") coverage.Hit(shape);
        if (call is MadviseCall m) coverage.Hit(Coverage.AdviceLabel((uint)m.Advice));
        if (call is NameCall { Option: 0 } n) coverage.Hit(n switch
        {
            { BadPointer: true } => "name/badptr",
            { From: not 0 } => "name/pointer",
            { Name: null } => "name/null",
            { Name.Length: Prctl.AnonNameMax - 1 } => "name/79",
            { Name.Length: Prctl.AnonNameMax } => "name/80",
            { Name: var text } when text.IndexOfAny(InvalidChars.ToCharArray()) >= 0 => "name/invalid",
            _ => "name/pool",
        });
        var pages = PagesBefore(p, call);
        if (call is TouchCall t)
        {
            bool shared = p.Ptes.TryGetValue(t.Addr >> Mem.PageShift, out var pte) && pte.Folio.MapCount > 1;
            return new Pre(null, null, false, p.Vmas.Containing(t.Addr), shared, pages);
        }
        if (RangeOf(call) is not var (s, e) || e <= s) return new Pre(null, null, false, null, false, pages);
        var atStart = p.Vmas.Containing(s);
        var atEnd = p.Vmas.Containing(e - 1);
        bool hole = false;
        ulong cursor = s;
        for (var v = p.Vmas.FirstEndingAfter(s); v is not null && v.Start < e; v = p.Vmas.Next(v))
        {
            if (v.Start > cursor) hole = true;
            cursor = v.End;
        }
        if (cursor < e && cursor != s) hole = true;
        return new Pre(atStart is not null && atStart.Start < s ? atStart : null, atEnd is not null && atEnd.End > e ? atEnd : null, hole, null, false, pages);
    }

    void After(Process p, Call call, Outcome outcome, Pre pre)
    {
        var cov = coverage!;
        string kind = Kind(call);
        cov.Hit($"result/{kind}/{(outcome.IsError ? outcome.Errno.ToString() : outcome.Kind is OutcomeKind.Segv or OutcomeKind.Bus ? outcome.ToString() : "ok")}");
        if (pre.Hole) cov.Hit("range/hole");
        if (!outcome.IsError && pre.AtStart is not null && pre.AtEnd is not null && ReferenceEquals(pre.AtStart, pre.AtEnd)) cov.Hit("split/middle");
        else if (!outcome.IsError)
        {
            if (pre.AtStart is not null) cov.Hit("split/start");
            if (pre.AtEnd is not null) cov.Hit("split/end");
        }
        if (call is TouchCall)
        {
            if (pre.Touched is null) cov.Hit("touch/unmapped");
            else
            {
                if ((pre.Touched.Flags & VmFlags.Locked) != 0) cov.Hit("touch/locked");
                if (forked) cov.Hit("touch/after-fork");
                if (pre.TouchedShared) cov.Hit("touch/shared-page");
                if ((pre.Touched.Flags & VmFlags.Write) == 0 && outcome.Kind == OutcomeKind.Segv) cov.Hit("touch/read-only");
            }
            if (outcome.Kind == OutcomeKind.Bus) cov.Hit("touch/sigbus");
        }
        if (call is ForkCall && outcome.Kind == OutcomeKind.Process) forked = true;
        foreach (var site in Model.Last!.Sites)
        {
            bool left = site.Result.Start < site.Start, right = site.Result.End > site.End;
            if (left && right) cov.Hit("merge/both");
            else if (left) cov.Hit("merge/left");
            else if (right) cov.Hit("merge/right");
            if (site.Result.Name is { } n && (NameIs(site.Left, n) || NameIs(site.Right, n))) cov.Hit("name/equal-neighbour");
        }
        PagesAfter(p, call, outcome, pre.Pages, pre.Touched);
        Preconditions();
    }

    static bool NameIs(VmaShot? v, AnonName? n) =>
        v is { } s && (s.Name is null ? n is null : n is not null && s.Name.Value == n.Value);

    /// <summary>The number of live processes, and each invariant whose precondition the state after the call meets.</summary>
    void Preconditions()
    {
        var cov = coverage!;
        int live = Model.Processes.Count(p => p.Running);
        if (live == 2) cov.Hit("procs/2");
        else if (live > 2) cov.Hit("procs/3+");
        foreach (var invariant in Invariants.All)
            if (invariant.Applies(Model)) cov.Hit(PreLabel(invariant));
    }

    /// <summary>"pre/NAME": the coverage label of an invariant's precondition.</summary>
    public static string PreLabel(Invariant invariant) => "pre/" + invariant.Name;

    static (ulong, ulong)? RangeOf(Call call) => call switch
    {
        MmapCall c when (c.Flags & (Map.Fixed | Map.FixedNoReplace)) != 0 => (c.Addr, c.Addr + Mem.PageAlign(c.Len)),
        MunmapCall c => (c.Addr, c.Addr + Mem.PageAlign(c.Len)),
        MprotectCall c => (c.Addr, c.Addr + Mem.PageAlign(c.Len)),
        MlockCall c => (c.Addr & ~(P - 1), Mem.PageAlign(c.Addr + c.Len)),
        Mlock2Call c => (c.Addr & ~(P - 1), Mem.PageAlign(c.Addr + c.Len)),
        MunlockCall c => (c.Addr & ~(P - 1), Mem.PageAlign(c.Addr + c.Len)),
        MadviseCall c => (c.Addr, c.Addr + Mem.PageAlign(c.Len)),
        NameCall { Option: 0 } c => (c.Addr, c.Addr + Mem.PageAlign(c.Len)),
        _ => null,
    };

    /// <summary>The call's kind as coverage and finding signatures name it.</summary>
    public static string Kind(Call call) => call switch
    {
        NameCall { Option: not 0 } => "name_arg2",
        _ => call.GetType().Name.Replace("Call", "").ToLowerInvariant(),
    };
}
