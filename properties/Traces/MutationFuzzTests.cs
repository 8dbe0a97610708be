using System.Text;
using AnonVma.Judges;
using AnonVma.Traces;
using AnonVma.Traces.Generate;
using Xunit.Abstractions;

namespace AnonVma.Properties.Traces;

/// <summary>
/// The parser and the printer agree on every input: the repository's trace files, mutated many thousand times, each
/// either parse into a document that prints, parses back equal and prints to the same text, or give exactly one
/// TraceSyntaxException naming the file and a line:col inside the input. Any other exception is a bug.
/// </summary>
public class MutationFuzzTests(ITestOutputHelper output)
{
    const int Seed = 20261204, Iterations = 30_000;

    /// <summary>Every trace file in traces/corpus and traces/examples, as bytes.</summary>
    static (string Name, byte[] Bytes)[] Seeds() =>
        new[] { "corpus", "examples" }
            .SelectMany(d => Directory.GetFiles(Path.Combine(RepoPaths.Root, "traces", d), "*.trace"))
            .Order(StringComparer.Ordinal)
            .Select(p => (Path.GetFileName(p), File.ReadAllBytes(p)))
            .ToArray();

    /// <summary>Bytes the mutations favour: line structure, blanks, the format's punctuation, odd characters.</summary>
    static readonly byte[] Special = "\r\n\0\t \"\\|#:,()=-x0123456789abcdef_p"u8.ToArray().Concat(new byte[] { 0xff, 0xc3, 0xa9, 0x7f, 0x0b, 0x0c, 0x85, 0xe2, 0x80, 0xa8 }).ToArray();

    [Fact]
    public void Mutated_trace_files_parse_and_round_trip_or_give_one_located_error()
    {
        var seeds = Seeds();
        Assert.True(seeds.Length >= 10, $"only {seeds.Length} trace files found");
        var rng = Pcg32.ForSeed(Seed);
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        int parsed = 0, refused = 0;
        foreach (var (name, bytes) in seeds) Check(name, bytes, ref parsed, ref refused);
        Assert.Equal(seeds.Length, parsed); // the unmutated files are all valid
        for (int i = 0; i < Iterations; i++)
        {
            var (name, bytes) = seeds[rng.Next(seeds.Length)];
            var input = bytes.ToList();
            int n = 1 + rng.Next(rng.Next(2) == 0 ? 1 : 6);
            for (int k = 0; k < n; k++) Mutate(rng, input);
            Check($"m{i}-{name}", input.ToArray(), ref parsed, ref refused);
        }
        output.WriteLine($"{Iterations} mutants of {seeds.Length} files (seed {Seed}): {parsed - seeds.Length} parsed and round-tripped, {refused} refused with a located error, " +
            $"{(System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds:F1} s of CPU");
        // Both outcomes must be common, or the mutations are too mild or too wild to test anything.
        Assert.True(parsed > Iterations / 10 && refused > Iterations / 10, $"{parsed} parsed, {refused} refused");
    }

    /// <summary>The property for one input; a failure names the input, escaped, so it can be replayed.</summary>
    static void Check(string name, byte[] input, ref int parsed, ref int refused)
    {
        TraceDocument doc;
        try
        {
            doc = TraceText.Parse(input, name);
        }
        catch (TraceSyntaxException e)
        {
            refused++;
            var lines = Lines(input);
            string where = $"{name}:{e.Line}:{e.Column}: ";
            Assert.True(e.Message.StartsWith(where) && e.File == name, $"message '{e.Message}' does not start with '{where}'\n{Show(input)}");
            Assert.True(e.Line >= 1 && e.Line <= lines.Count + 1, $"line {e.Line} outside the {lines.Count} lines: {e.Message}\n{Show(input)}");
            int width = e.Line <= lines.Count ? lines[e.Line - 1] : 0;
            Assert.True(e.Column >= 1 && e.Column <= width + 1, $"column {e.Column} outside line {e.Line} of {width} characters: {e.Message}\n{Show(input)}");
            Assert.DoesNotContain('\n', e.Message);
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: parsing threw {e.GetType().Name}, not TraceSyntaxException: {e.Message}\n{Show(input)}");
            return;
        }
        parsed++;
        string text;
        try
        {
            text = TraceText.Print(doc);
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: parsed, but printing threw {e.GetType().Name}: {e.Message}\n{Show(input)}");
            return;
        }
        TraceDocument back;
        try
        {
            back = TraceText.Parse(Encoding.UTF8.GetBytes(text), name);
        }
        catch (Exception e)
        {
            Assert.Fail($"{name}: the printed text does not parse: {e.Message}\n{Show(input)}\nprinted:\n{text}");
            return;
        }
        Assert.True(doc.Equals(back), $"{name}: parse(print(doc)) differs from doc\n{Show(input)}\nprinted:\n{text}");
        Assert.Equal(text, TraceText.Print(back));
    }

    /// <summary>Each line's width in characters, as columns count them (the text decoded leniently).</summary>
    static List<int> Lines(byte[] input) =>
        Encoding.UTF8.GetString(input).Split('\n').Select(l => l.Length).ToList();

    static string Show(byte[] input)
    {
        var sb = new StringBuilder("input: \"");
        foreach (byte b in input.Take(4000))
            sb.Append(b switch { (byte)'\n' => "\\n\n", (byte)'\\' => "\\\\", >= 0x20 and < 0x7f => ((char)b).ToString(), _ => $"\\x{b:x2}" });
        return sb.Append(input.Length > 4000 ? "…\"" : "\"").ToString();
    }

    static void Mutate(Pcg32 rng, List<byte> b)
    {
        int At(bool end = true) => rng.Next(b.Count + (end ? 1 : 0));
        byte Pick() => rng.Next(3) == 0 ? (byte)rng.Next(256) : Special[rng.Next(Special.Length)];
        if (b.Count == 0) { b.Add(Pick()); return; }
        switch (rng.Next(12))
        {
            case 0: b[At(false)] ^= (byte)(1 << rng.Next(8)); break;                      // bit flip
            case 1: b.Insert(At(), Pick()); break;                                          // byte insertion
            case 2: int s = At(false); b.RemoveRange(s, Math.Min(b.Count - s, 1 + rng.Next(rng.Next(2) == 0 ? 1 : 20))); break; // deletion
            case 3: b[At(false)] = Pick(); break;                                           // byte replacement
            case 4: b.Insert(At(), (byte)"\r\0\t"[rng.Next(3)]); break;                     // a lone CR, a NUL, a tab
            case 5: b.InsertRange(At(), Enumerable.Repeat(Pick(), 1 + rng.Next(rng.Next(4) == 0 ? 5000 : 40))); break; // a long run
            case 6: b.InsertRange(At(), Encoding.ASCII.GetBytes(new[] { "18446744073709551616", "0x10000000000000000", "99999999999999999999999999", "0x", "4294967296", "-0", "p8", "h99999999999" }[rng.Next(8)])); break;
            case 7: SwapOrCopy(rng, b, Tokens(b), true); break;                             // token swap
            case 8: SwapOrCopy(rng, b, Tokens(b), false); break;                            // token duplication
            case 9: SwapOrCopy(rng, b, LineSpans(b), true); break;                          // line swap
            case 10: SwapOrCopy(rng, b, LineSpans(b), false); break;                        // line duplication
            default:                                                                        // line deletion
                var lines = LineSpans(b);
                var (from, len) = lines[rng.Next(lines.Count)];
                b.RemoveRange(from, len);
                break;
        }
    }

    /// <summary>Spans of non-blank, non-punctuation bytes.</summary>
    static List<(int From, int Len)> Tokens(List<byte> b)
    {
        var spans = new List<(int, int)>();
        for (int i = 0; i < b.Count;)
        {
            if (IsSep(b[i])) { i++; continue; }
            int s = i;
            while (i < b.Count && !IsSep(b[i])) i++;
            spans.Add((s, i - s));
        }
        return spans.Count > 0 ? spans : [(0, b.Count)];
        static bool IsSep(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)',' or (byte)'(' or (byte)')' or (byte)'|' or (byte)':';
    }

    /// <summary>Each line with its '\n'.</summary>
    static List<(int From, int Len)> LineSpans(List<byte> b)
    {
        var spans = new List<(int, int)>();
        int s = 0;
        for (int i = 0; i < b.Count; i++)
            if (b[i] == '\n') { spans.Add((s, i + 1 - s)); s = i + 1; }
        if (s < b.Count) spans.Add((s, b.Count - s));
        return spans.Count > 0 ? spans : [(0, b.Count)];
    }

    /// <summary>Swaps two spans, or inserts a copy of one at the start of another.</summary>
    static void SwapOrCopy(Pcg32 rng, List<byte> b, List<(int From, int Len)> spans, bool swap)
    {
        var x = spans[rng.Next(spans.Count)];
        var y = spans[rng.Next(spans.Count)];
        var xs = b.GetRange(x.From, x.Len);
        if (!swap) { b.InsertRange(y.From, xs); return; }
        if (x.From == y.From) return;
        if (x.From > y.From) (x, y) = (y, x);
        var ys = b.GetRange(y.From, y.Len);
        b.RemoveRange(y.From, y.Len);
        b.InsertRange(y.From, xs);
        b.RemoveRange(x.From, x.Len);
        b.InsertRange(x.From, ys);
    }
}
