using AnonVma.Traces.Generate;
using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Properties.Differential;
using AnonVma.Traces;

namespace AnonVma.Properties.Traces;

/// <summary>Every trace the suite makes survives print and parse unchanged, and printing is a fixpoint.</summary>
public class RoundTripTests
{
    const ulong B = Trace.DefaultArenaBase, P = Mem.PageSize;

    /// <summary>parse(print(doc)) equals doc call by call and as a whole, and prints to the same text.</summary>
    static string RoundTrips(TraceDocument doc)
    {
        string text = TraceText.Print(doc);
        var back = TraceText.Parse(text, $"{doc.Trace.Id}.trace");
        Assert.Equal(doc.Trace.Calls, back.Trace.Calls);
        Assert.Equal(doc.Header, back.Header);
        Assert.Equal(doc.Expected, back.Expected);
        Assert.Equal(doc.Comments, back.Comments);
        Assert.Equal(doc, back);
        Assert.Equal(text, TraceText.Print(back));
        return text;
    }

    [Fact]
    public void Every_scenario_corpus_trace_round_trips()
    {
        Assert.Contains(ScenarioCorpus.All, e => e.Profile == KernelProfile.Linux612);
        Assert.Contains(ScenarioCorpus.All, e => e.Profile == KernelProfile.Host618);
        foreach (var e in ScenarioCorpus.All)
            RoundTrips(TraceDocument.Of(e.Trace, ("profile", e.Profile.Name), ("scenario", e.Name)));
    }

    [Fact]
    public void Five_hundred_generated_traces_round_trip()
    {
        for (int seed = 0; seed < 500; seed++)
            RoundTrips(TraceDocument.Of(Realiser.Random(seed, 24, KernelProfile.Linux612), ("seed", seed.ToString()), ("profile", "linux-6.12")));
    }

    /// <summary>Every call record, odd flag bits and hard names; the text is the format's reference example.</summary>
    [Fact]
    public void Every_call_kind_prints_as_documented_and_round_trips()
    {
        Call[] calls =
        [
            new MmapCall(0, B, 3 * P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace),
            new NameCall(0, B + P, P, "heap"),
            new NameCall(0, B + P, P, null),
            new NameCall(0, B + P, P, null, BadPointer: true),
            new NameCall(0, B + P, P, "x", Option: 2),
            new NameCall(0, B, P, "a[b]$\\\"\n\t\u00e9\0" + new string('n', 80)),
            new ForkCall(0),
            new MemfdCall(0, 2 * P),
            new FileCall(1, 2 * P),
            new MmapCall(0, B + 4 * P, 2 * P, Prot.Read, Map.Shared | Map.Fixed, 0, 0),
            new MmapCall(0, B + 6 * P, P, Prot.None, 0x7 | Map.Anonymous | 0x40000000 | unchecked((int)0x80000000), -1, P),
            new TouchCall(0, B + 0x10, false),
            new TouchCall(1, B + 0x10, true),
            new StoreCall(0, B + 0x11, (byte)'a'),
            new NameCall(0, B + P, P, null, From: B + 0x11),
            new MprotectCall(0, B, P, Prot.Read | Prot.GrowsDown | 0x10),
            new MlockCall(0, B, P),
            new Mlock2Call(0, B, P, Mlock.OnFault),
            new MunlockCall(0, B, P),
            new MlockallCall(0, Mlock.McCurrent | Mlock.McFuture),
            new MunlockallCall(0),
            new MadviseCall(0, B, P, Madv.DontFork),
            new MadviseCall(0, B, P, 77),
            new MadviseCall(0, B, P, -1),
            new SetCredsCall(0, 0x10000, false),
            new SetCredsCall(0, ulong.MaxValue, true),
            new MunmapCall(0, B, 0),
            new ExitCall(1),
        ];
        string[] results =
        [
            "0x200000000000", "0", "-EINVAL", "-EFAULT", "-EINVAL", "-EINVAL", "p1", "h0", "h1", "0x200000004000", "-EINVAL", "ok",
            "SIGSEGV", "ok", "0", "-EINVAL", "0", "0", "0", "0", "0", "0", "-EINVAL", "-EINVAL", "0", "0", "-EINVAL", "ok",
        ];
        var doc = TraceDocument.Of(new Trace("every-call", B, 16 * P, calls), ("seed", "7"), ("profile", "linux-6.12"), ("check", "NamesValid"));
        doc = doc with
        {
            Expected = results.Select(r => (CallExpectation?)new CallExpectation(r, null)).ToArray(),
            Comments = [new(-1, "# every call the format spells"), new(0, "# three pages, then names"), new(28, "# the end")],
        };
        string text = RoundTrips(doc);
        Assert.Equal("""
            anonvma-trace 1
            # seed: 7
            # profile: linux-6.12
            # check: NamesValid
            # every call the format spells
            trace every-call
            arena 0x200000000000 0x10000

            # three pages, then names
            p0: mmap(0x200000000000, 0x3000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0) = 0x200000000000
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, "heap") = 0
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, NULL) = -EINVAL
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, (char *)1) = -EFAULT
            p0: prctl(PR_SET_VMA, 2, 0x200000001000, 0x1000, "x") = -EINVAL
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, "a[b]$\\\"\n\t\xe9\x00{N80}") = -EINVAL
            p0: fork() = p1
            p0: memfd_create(0x2000) = h0
            p1: file(0x2000) = h1
            p0: mmap(0x200000004000, 0x2000, PROT_READ, MAP_SHARED|MAP_FIXED, h0, 0) = 0x200000004000
            p0: mmap(0x200000006000, 0x1000, PROT_NONE, MAP_ANONYMOUS|0xc0000007, -1, 0x1000) = -EINVAL
            p0: read(0x200000000010) = ok
            p1: write(0x200000000010) = SIGSEGV
            p0: store(0x200000000011, 0x61) = ok
            p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000001000, 0x1000, (char *)0x200000000011) = 0
            p0: mprotect(0x200000000000, 0x1000, PROT_READ|PROT_GROWSDOWN|0x10) = -EINVAL
            p0: mlock(0x200000000000, 0x1000) = 0
            p0: mlock2(0x200000000000, 0x1000, MLOCK_ONFAULT) = 0
            p0: munlock(0x200000000000, 0x1000) = 0
            p0: mlockall(MCL_CURRENT|MCL_FUTURE) = 0
            p0: munlockall() = 0
            p0: madvise(0x200000000000, 0x1000, MADV_DONTFORK) = 0
            p0: madvise(0x200000000000, 0x1000, 77) = -EINVAL
            p0: madvise(0x200000000000, 0x1000, 0xffffffff) = -EINVAL
            p0: setcreds(0x10000, 0) = 0
            p0: setcreds(0xffffffffffffffff, 1) = 0
            p0: munmap(0x200000000000, 0) = -EINVAL
            p1: exit() = ok
            # the end

            """.Replace("{N80}", new string('n', 80)), text);
    }

    [Fact]
    public void Expectations_maps_blocks_and_comments_round_trip()
    {
        var trace = new Trace("maps", B, 4 * P, [new MmapCall(0, B, 3 * P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace), new ForkCall(0), new ExitCall(1)]);
        var doc = TraceDocument.Of(trace) with
        {
            Expected =
            [
                new CallExpectation("0x200000000000", [new ExpectedView(0, false, ["200000000000-200000003000 rw-p 00000000 00:00 0 "])]),
                new CallExpectation(null, [new ExpectedView(0, false, []), new ExpectedView(1, false, ["|", "", " x "])]),
                new CallExpectation("ok", [new ExpectedView(0, false, []), new ExpectedView(1, true, [])]),
            ],
            Comments = [new(1, "#"), new(1, "#   indented note: not a header"), new(3, "# end")],
        };
        string text = RoundTrips(doc);
        Assert.Contains("\n    maps p1:\n    | |\n    |\n    |  x \n", text);
        Assert.Contains("p1: exit() = ok\n    maps p0:\n    gone p1\n# end\n", text);
    }

    [Fact]
    public void Input_layout_is_free_and_header_metadata_is_read_in_order()
    {
        var doc = TraceText.Parse("""

            anonvma-trace 1
            # check: NamesValid
            #seed:   42
            # note, not a header
            # empty:
            trace t-1
            # after the trace line: a comment, even as key: value
            arena 0x200000000000 4096
               p0:munmap ( 0x200000000000 , 4096 )=0
              maps p0:
            p0: mprotect(0x200000000000, 0x1000, 1|2|PROT_EXEC) = -ENOMEM
            """, "layout.trace");
        Assert.Equal(new KeyValuePair<string, string>[] { new("check", "NamesValid"), new("seed", "42"), new("empty", "") }, doc.Header);
        Assert.Equal("42", doc.Get("seed"));
        Assert.Null(doc.Get("profile"));
        Assert.Equal(new TraceComment[] { new(-1, "# note, not a header"), new(0, "# after the trace line: a comment, even as key: value") }, doc.Comments);
        Assert.Equal(new Call[] { new MunmapCall(0, B, P), new MprotectCall(0, B, P, 7) }, doc.Trace.Calls);
        Assert.Equal(new CallExpectation("0", [new ExpectedView(0, false, [])]), doc.Expected[0]);
        Assert.Equal(new CallExpectation("-ENOMEM", null), doc.Expected[1]);
        var changed = doc.With("seed", "43 ").With("profile", "host-6.18");
        Assert.Equal(new[] { "check", "seed", "empty", "profile" }, changed.Header.Select(kv => kv.Key));
        Assert.Equal("43", changed.Get("seed"));
        RoundTrips(changed);
    }

    [Fact]
    public void Save_writes_atomically_and_load_reads_it_back()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"anonvma-traces-{Guid.NewGuid():N}", "sub");
        try
        {
            string path = Path.Combine(dir, "gen-1.trace");
            var doc = TraceDocument.Of(Realiser.Random(1, 24, KernelProfile.Linux612), ("seed", "1"));
            TraceText.Save(path, doc);
            TraceText.Save(path, doc.With("check", "x"));
            Assert.Equal(doc.With("check", "x"), TraceText.Load(path));
            Assert.Equal(new[] { "gen-1.trace" }, Directory.GetFiles(dir).Select(f => Path.GetFileName(f)));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true);
        }
    }
}
