using AnonVma.Fuzz;
using AnonVma.Judges;
using AnonVma.Model;
using AnonVma.Traces;

namespace AnonVma.Campaign;

/// <summary>
/// findings/: one directory per distinct signature. The first worker to see a signature claims it and saves the
/// unshrunk trace at once (finding.json and original.trace, published by renaming a finished temporary directory),
/// so a kill during shrinking loses nothing; the shrunk trace and its C reproducer are added when shrinking ends,
/// each written only if absent. Nothing here is ever overwritten.
/// </summary>
public sealed class FindingStore
{
    readonly string root;
    readonly Dictionary<string, FindingRecord> bySignature = new();
    readonly object gate = new();

    public FindingStore(string root)
    {
        this.root = root;
        Directory.CreateDirectory(root);
        foreach (var dir in Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (name.StartsWith('.')) continue; // not published yet (or left by a killed run)
            var rec = Json.Read<FindingRecord>(System.IO.Path.Combine(dir, "finding.json"));
            bySignature.TryAdd(rec.Signature, rec with { Directory = name });
        }
    }

    /// <summary>
    /// Deletes temporary directories a killed run left unpublished. Only a campaign about to run calls it: a reader
    /// (report, merge) could otherwise delete the directory a running campaign is about to publish.
    /// </summary>
    public void RemoveUnpublished()
    {
        foreach (var dir in Directory.EnumerateDirectories(root).Where(d => System.IO.Path.GetFileName(d).StartsWith('.')))
            TryDelete(dir);
    }

    public int Count { get { lock (gate) return bySignature.Count; } }

    public IReadOnlyList<FindingRecord> All { get { lock (gate) return bySignature.Values.OrderBy(r => r.FoundAtSeconds).ToList(); } }

    /// <summary>Findings saved but not shrunk yet (their shrinking was cut short): resumed campaigns shrink them first.</summary>
    public IReadOnlyList<FindingRecord> PendingShrink() =>
        All.Where(r => !File.Exists(ShrunkPath(r))).ToList();

    public string DirectoryOf(FindingRecord r) => System.IO.Path.Combine(root, r.Directory);
    public string OriginalPath(FindingRecord r) => System.IO.Path.Combine(DirectoryOf(r), "original.trace");
    public string ShrunkPath(FindingRecord r) => System.IO.Path.Combine(DirectoryOf(r), "shrunk.trace");
    public string ReproducerPath(FindingRecord r) => System.IO.Path.Combine(DirectoryOf(r), "repro.c");

    /// <summary>For a re-implementation's finding: Linux's run of the shrunk trace and the implementation's, in the executor's output format.</summary>
    public (string Linux, string Observed) RunPaths(FindingRecord r) =>
        (System.IO.Path.Combine(DirectoryOf(r), "linux.out"), System.IO.Path.Combine(DirectoryOf(r), "observed.out"));

    /// <summary>
    /// Claims a new finding's signature and saves its first trace; returns the record, or null when the signature is
    /// known (the caller then only counts it).
    /// </summary>
    public FindingRecord? Claim(Finding f, string lane, Trace trace, int seed, string profile, double campaignSeconds)
    {
        string signature = f.Key.ToString();
        lock (gate)
        {
            if (bySignature.ContainsKey(signature)) return null;
            string slug = FoundTraces.Slug(signature), name = slug;
            for (int n = 2; Directory.Exists(System.IO.Path.Combine(root, name)); n++) name = $"{slug}-{n}";
            var rec = new FindingRecord(signature, name, f.Check.ToString(), f.CallKind, f.Judge, f.Oracle, lane, seed, f.Message, campaignSeconds, trace.Calls.Count);
            string tmp = System.IO.Path.Combine(root, $".tmp-{name}-{Environment.ProcessId}");
            TryDelete(tmp);
            Directory.CreateDirectory(tmp);
            AtomicFile.Write(System.IO.Path.Combine(tmp, "original.trace"), TraceText.Print(Document(trace, f, rec, profile)));
            AtomicFile.Write(System.IO.Path.Combine(tmp, "finding.json"), Json.Write(rec));
            Directory.Move(tmp, System.IO.Path.Combine(root, name));
            bySignature[signature] = rec;
            return rec;
        }
    }

    /// <summary>
    /// Adds the shrunk trace and its C reproducer to a claimed finding (each only if absent), and for a
    /// re-implementation's finding both sides' runs of it.
    /// </summary>
    /// <param name="cut">The shrink budget, when it ran out before shrinking was done (the trace is smaller, not smallest).</param>
    /// <param name="linux">Linux's run of the shrunk trace when the finding is a re-implementation's: its reproducer then says where it differs.</param>
    public void SaveShrunk(FindingRecord rec, Shrinker.Result shrunk, string profile, TimeSpan? cut = null, TraceRun? linux = null,
        TraceRun? observed = null)
    {
        var doc = Document(shrunk.Trace, shrunk.Finding, rec, profile)
            .With("shrunk-from", $"{rec.OriginalCalls} calls")
            .With("shrink", $"{shrunk.CandidatesRun} candidates in {shrunk.Rounds} rounds" +
                            (cut is { } c ? $", stopped by the {c.TotalMinutes:0.#}-minute shrink budget" : "") +
                            (shrunk.Via is { } via ? $", on {via}, then confirmed by {shrunk.Finding.Oracle}" : ""));
        string reproHeader = $"finding: {rec.Signature}\nseed: {rec.Seed}\nprofile: {profile}\n" + (linux is null
            ? "build and run: cc repro.c -o repro && ./repro  (prints what the executor prints; compare with the model by replaying shrunk.trace)"
            : $"build and run: cc -static repro.c -o repro && ./repro  (natively it agrees with Linux; under {rec.Judge} its last line says where it differs)");
        AtomicFile.WriteNew(ReproducerPath(rec), CReproducer.Generate(doc.Trace, reproHeader, linux));
        if (linux is not null && observed is not null)
        {
            AtomicFile.WriteNew(RunPaths(rec).Linux, ExecutorOutput.Print(linux));
            AtomicFile.WriteNew(RunPaths(rec).Observed, ExecutorOutput.Print(observed));
        }
        AtomicFile.WriteNew(ShrunkPath(rec), TraceText.Print(doc)); // last: its presence means "shrunk"
    }

    /// <summary>Reads a saved finding's original trace back (to shrink it on --resume).</summary>
    public Trace ReadOriginal(FindingRecord rec) => TraceText.Load(OriginalPath(rec)).Trace;

    static TraceDocument Document(Trace trace, Finding f, FindingRecord rec, string profile) =>
        FoundTraces.Document(trace, f, profile, rec.Seed).With("finding", rec.Signature).With("lane", rec.Lane);

    static void TryDelete(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
