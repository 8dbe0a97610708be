using System.Text;
using AnonVma.Model;
using AnonVma.Traces;
using Xunit.Abstractions;
using static AnonVma.Properties.Cli.CliRunner;

namespace AnonVma.Properties.Traces;

/// <summary>
/// What the format does with odd characters and oversized input: control characters (a lone carriage return, NUL…),
/// bytes that are not UTF-8, overlong lines and files and 256-byte names each get one file:line:col error, in the
/// library and on the command line; the printer refuses the same, and input at the limits still round-trips.
/// </summary>
public class CharacterAndLimitTests(ITestOutputHelper output)
{
    const string Head = "anonvma-trace 1\ntrace t\narena 0x200000000000 0x10000\n";
    const string Mmap = "p0: mmap(0x200000000000, 0x1000, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x200000000000\n";
    const string Cr = "expected no control character but tab, found U+000D (a carriage return ends a line only before a line feed)";

    static TraceSyntaxException Refused(byte[] bytes) => Assert.Throws<TraceSyntaxException>(() => TraceText.Parse(bytes, "odd.trace"));

    static string Error(string text) => Refused(Encoding.UTF8.GetBytes(text)).Message;

    /// <summary>Parses, and printing then parsing gives the same document and the same text.</summary>
    static TraceDocument RoundTrips(string text)
    {
        var doc = TraceText.Parse(Encoding.UTF8.GetBytes(text), "odd.trace");
        string printed = TraceText.Print(doc);
        var back = TraceText.Parse(Encoding.UTF8.GetBytes(printed), "odd.trace");
        Assert.Equal(doc, back);
        Assert.Equal(printed, TraceText.Print(back));
        return doc;
    }

    [Theory]
    [InlineData("anonvma-trace 1\n# note\r here\ntrace t\n", "odd.trace:2:7: " + Cr)]
    [InlineData("anonvma-trace 1\n# seed: 1\r2\ntrace t\n", "odd.trace:2:10: " + Cr)]
    [InlineData("anonvma-trace 1\ntrace a\rb\n", "odd.trace:2:8: " + Cr)]
    [InlineData(Head + Mmap + "    maps p0:\n    | 200000000000-200000001000 r--p\r00000000 00:00 0 \n", "odd.trace:6:37: " + Cr)]
    [InlineData(Head + "p0: fork()\r\r\n", "odd.trace:4:11: " + Cr)]
    [InlineData(Head + "p0: fork()\r", "odd.trace:4:11: " + Cr)]
    [InlineData(Head + "# a\0b\n", "odd.trace:4:4: expected no control character but tab, found U+0000")]
    [InlineData(Head + "# a\u007fb\n", "odd.trace:4:4: expected no control character but tab, found U+007F")]
    [InlineData(Head + "# a\u0085b\n", "odd.trace:4:4: expected no control character but tab, found U+0085")]
    [InlineData(Head + "\f\n", "odd.trace:4:1: expected no control character but tab, found U+000C")]
    [InlineData(Head + "p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"a\u0001\")\n", "odd.trace:4:71: expected no control character but tab, found U+0001")]
    [InlineData("anonvma-trace 1\ntrace a\u00a0b\n", "odd.trace:2:8: expected a trace id without blanks, found U+00A0")]
    public void Control_characters_and_blanks_in_ids_are_refused_where_they_stand(string text, string message) => Assert.Equal(message, Error(text));

    [Fact]
    public void Tabs_crlf_non_ascii_text_and_a_byte_order_mark_are_accepted_and_round_trip()
    {
        var doc = RoundTrips("\uFEFF" + Head.Replace("\n", "\r\n") + "# caf\u00e9\t\u2028 \U0001F600\n" + Mmap + "    maps p0:\n\t| a\tb\u00e9\t\n");
        Assert.Equal(new TraceComment(0, "# caf\u00e9\t\u2028 \U0001F600"), doc.Comments.Single());
        Assert.Equal(["a\tb\u00e9\t"], doc.Expected[0]!.Views!.Single().Maps);
        Assert.Equal(doc, TraceText.Parse(Head + "# caf\u00e9\t\u2028 \U0001F600\n" + Mmap + "    maps p0:\n    | a\tb\u00e9\t\n", "odd.trace"));
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_refused_at_their_line_and_column()
    {
        byte[] Bytes(params byte[] tail) => [.. Encoding.UTF8.GetBytes(Head + "# caf\u00e9 "), .. tail, (byte)'\n'];
        Assert.Equal("odd.trace:4:8: expected UTF-8 text, found the byte 0xff", Refused(Bytes(0xff)).Message);
        Assert.Equal("odd.trace:4:8: expected UTF-8 text, found the byte 0xc0", Refused(Bytes(0xc0, 0xaf)).Message); // overlong '/'
        Assert.Equal("odd.trace:4:8: expected UTF-8 text, found the byte 0xed", Refused(Bytes(0xed, 0xa0, 0x80)).Message); // a surrogate
        Assert.Equal("odd.trace:4:8: expected UTF-8 text, found the byte 0xe2", Refused([.. Encoding.UTF8.GetBytes(Head + "# caf\u00e9 "), 0xe2, 0x82]).Message);
        Assert.Equal("odd.trace:4:4: expected Unicode text, found an unpaired surrogate U+D800",
            Assert.Throws<TraceSyntaxException>(() => TraceText.Parse(Head + "# a\ud800b\n", "odd.trace")).Message);
    }

    [Fact]
    public void The_printer_refuses_what_the_parser_refuses()
    {
        var doc = TraceText.Parse(Head + Mmap, "odd.trace");
        void Refuses(TraceDocument d, string what) => Assert.Contains(what, Assert.Throws<ArgumentException>(() => TraceText.Print(d)).Message);
        Refuses(doc with { Comments = [new(0, "# a\rb")] }, "comment '# a\rb' must be one line starting with '#', without trailing blanks");
        Refuses(doc with { Comments = [new(1, "# a\0b")] }, "a comment holds U+0000");
        Refuses(doc.With("note", "a\0b"), "header 'note' holds U+0000");
        Refuses(doc with { Trace = doc.Trace with { Id = "a\u00a0b" } }, "trace id 'a\u00a0b' must be non-empty, without blanks or '#'");
        Refuses(doc with { Expected = [new CallExpectation(null, [new ExpectedView(0, false, ["x\u0001"])])] }, "call 0: a maps line of p0 holds U+0001");
        Refuses(doc with { Comments = [new(0, "#" + new string('x', TraceText.MaxLineChars))] }, "a comment is 8193 characters long after the indentation; a line takes at most 8192");
        Refuses(doc with { Trace = doc.Trace with { Calls = [new NameCall(0, Trace.DefaultArenaBase, 0x1000, new string('n', 256))] } },
            "call 0: a name of 256 bytes (the executor takes at most 255)");
    }

    [Fact]
    public void Names_are_limited_to_the_255_bytes_the_executor_takes()
    {
        string Name(int bytes) => Head + $"p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"{string.Concat(Enumerable.Repeat("\\xff", bytes))}\")\n";
        Assert.Equal(new string('\u00ff', 255), ((NameCall)RoundTrips(Name(255)).Trace.Calls[0]).Name);
        Assert.Equal("odd.trace:4:5: expected a name of at most 255 bytes (the executor's limit), found 256 bytes", Error(Name(256)));
    }

    [Fact]
    public void Lines_are_limited_after_their_indentation_and_lines_at_the_limit_round_trip()
    {
        int max = TraceText.MaxLineChars;
        Assert.Equal(8192, max);
        RoundTrips(Head + "\t\t#" + new string('x', max - 1) + "\n");
        Assert.Equal($"odd.trace:4:{max + 3}: expected at most {max} characters after the indentation, found {max + 1}",
            Error(Head + "\t\t#" + new string('x', max) + "\n"));
        // A maps line at the limit without indentation prints indented, and still reads back.
        var doc = RoundTrips(Head + Mmap + "maps p0:\n| " + new string('m', max - 2) + "\n");
        Assert.Equal(max - 2, doc.Expected[0]!.Views!.Single().Maps.Single().Length);
        // "#k: v" at the limit would print as "# k: v", one longer.
        Assert.Equal($"odd.trace:2:1: expected a header line of at most {max} characters as printed ('# k: …'), found {max + 1}",
            Error("anonvma-trace 1\n#k: " + new string('v', max - 4) + "\ntrace t\n"));
        RoundTrips("anonvma-trace 1\n#k: " + new string('v', max - 5) + "\ntrace t\narena 0x200000000000 0x1000\n");
    }

    [Fact]
    public void Huge_numbers_parse_when_they_fit_and_their_error_quotes_only_a_prefix()
    {
        var doc = RoundTrips(Head + $"p0: munmap(0x{new string('0', 8000)}200000000000, {new string('0', 100)}4096)\n");
        Assert.Equal(new MunmapCall(0, 0x200000000000, 0x1000), doc.Trace.Calls.Single());
        Assert.Equal($"odd.trace:4:12: expected a number below 2^64 for the address, found '{new string('9', 50)}…' (8000 characters)",
            Error(Head + $"p0: munmap({new string('9', 8000)}, 0x1000)\n"));
    }

    [Fact]
    public void A_file_over_16_mib_is_refused_where_the_limit_falls_without_reading_the_rest()
    {
        int max = TraceText.MaxFileBytes;
        Assert.Equal(16 << 20, max);
        // Lines of 64 bytes after the head: the limit falls at a computable line and column.
        string line = "# " + new string('x', 61) + "\n";
        var sb = new StringBuilder(Head);
        while (sb.Length <= max) sb.Append(line);
        byte[] bytes = Encoding.ASCII.GetBytes(sb.ToString());
        int past = max - Head.Length;
        string where = $"odd.trace:{4 + past / 64}:{past % 64 + 1}";
        Assert.Equal($"{where}: expected a file of at most {max} bytes (16 MiB), found more", Refused(bytes).Message);
        // A file of exactly 16 MiB (the same lines, then a shorter one) parses.
        int whole = Head.Length + past / 64 * 64, pad = max - whole;
        Assert.InRange(pad, 2, 63);
        byte[] atLimit = [.. bytes.AsSpan(0, whole), .. Encoding.ASCII.GetBytes("#" + new string('x', pad - 2) + "\n")];
        Assert.Equal(max, atLimit.Length);
        Assert.Equal(past / 64 + 1, TraceText.Parse(atLimit, "odd.trace").Comments.Count);
        // A byte order mark counts: 16 MiB and a BOM is refused, not read short.
        byte[] withBom = [0xef, 0xbb, 0xbf, .. atLimit];
        Assert.EndsWith(": expected a file of at most 16777216 bytes (16 MiB), found more", Refused(withBom).Message);

        // A 100 MB line: Load reads 16 MiB and a byte of it, not the whole file.
        string path = Path.Combine(Path.GetTempPath(), $"anonvma-huge-{Guid.NewGuid():N}.trace");
        try
        {
            File.WriteAllBytes(path, withBom);
            Assert.EndsWith("found more", Assert.Throws<TraceSyntaxException>(() => TraceText.Load(path)).Message);
            File.WriteAllBytes(path, atLimit);
            Assert.Equal(past / 64 + 1, TraceText.Load(path).Comments.Count);

            using (var f = File.Create(path))
            {
                f.Write(Encoding.ASCII.GetBytes(Head + "p0: munmap("));
                var nines = Encoding.ASCII.GetBytes(new string('9', 1 << 20));
                for (int i = 0; i < 100; i++) f.Write(nines);
                f.Write(", 0x1000)\n"u8);
            }
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = Assert.Throws<TraceSyntaxException>(() => TraceText.Load(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal($"{path}:4:{max - Head.Length + 1}: expected a file of at most {max} bytes (16 MiB), found more", e.Message);
            Assert.True(allocated < 64L << 20, $"refusing a 100 MB file allocated {allocated >> 20} MiB");
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_million_calls_load_print_and_read_back()
    {
        string path = Path.Combine(Path.GetTempPath(), $"anonvma-million-{Guid.NewGuid():N}.trace");
        try
        {
            File.WriteAllText(path, Head + "\n" + string.Concat(Enumerable.Repeat("p0: exit() = ok\n", 1_000_000)));
            long before = GC.GetAllocatedBytesForCurrentThread();
            var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            var doc = TraceText.Load(path);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            output.WriteLine($"a million calls: {allocated >> 20} MiB allocated, {(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU");
            Assert.Equal(1_000_000, doc.Trace.Calls.Count);
            Assert.All(doc.Expected, e => Assert.Equal("ok", e!.Result));
            // The file is 16 MB of text; parsing it costs a bounded multiple, not a blow-up.
            Assert.True(allocated < 1L << 30, $"parsing a million calls allocated {allocated >> 20} MiB");
            Assert.Equal(File.ReadAllText(path), TraceText.Print(doc));
        }
        finally { File.Delete(path); }
    }

    /// <summary>Every command that reads a trace file gives the file:line:col error and exit 2, never "internal error".</summary>
    [Fact]
    public void Commands_refuse_a_lone_carriage_return_and_bad_utf8_with_the_located_error_and_exit_2()
    {
        string dir = TempDir();
        try
        {
            string cr = Path.Combine(dir, "cr.trace"), latin1 = Path.Combine(dir, "latin1.trace");
            File.WriteAllText(cr, "anonvma-trace 1\n# note\r here\ntrace t\narena 0x200000000000 0x10000\np0: fork()\n");
            File.WriteAllBytes(latin1, [.. Encoding.ASCII.GetBytes(Head + "# caf"), 0xe9, (byte)'\n']);
            foreach (var (path, message) in new[] { (cr, $"{cr}:2:7: {Cr}"), (latin1, $"{latin1}:4:6: expected UTF-8 text, found the byte 0xe9") })
            {
                foreach (var args in new[] { ["print", path], ["replay", path, "--on", "model"], ["export-c", path], new[] { "record", path, "--on", "model" } })
                {
                    var r = Run(args);
                    Assert.Equal((2, $"{message}\n", ""), (r.Code, r.Err, r.Out));
                }
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
