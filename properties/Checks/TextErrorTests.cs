using AnonVma.Model.Text;
using AnonVma.Properties.Pure;

namespace AnonVma.Properties.Checks;

/// <summary>Malformed maps and smaps text gets an error naming the line, column and what was expected.</summary>
public class TextErrorTests
{
    [Theory]
    [InlineData("20000000000x-200000002000 rw-p 00000000 00:00 0 ", "column 12: expected '-', got 'x'")]
    [InlineData("200000000000-200000002000 rwzp 00000000 00:00 0 ", "column 27: expected permissions like rw-p, got 'rwzp'")]
    [InlineData("200000000000-200000002000 rw-p 00000000 00-00 0 ", "column 43: expected ':', got '-'")]
    [InlineData("200000000000-200000002000 rw-p 00000000 00:00 0", "column 48: expected 'space', got end of line")]
    [InlineData("200000000000-200000002000 rw-p 00000000 00:00 0  [anon:x]", "column 50: expected 25 space(s) of padding before the name, got 1")]
    public void Maps_line_errors(string line, string message) =>
        Assert.Equal(message, Assert.Throws<MapsFormatException>(() => ProcText.ParseMaps(line)).Message);

    [Fact]
    public void Smaps_cut_short_names_the_line()
    {
        var text = "200000000000-200000001000 rw-p 00000000 00:00 0 \nSize:                  4 kB\n";
        var e = Assert.Throws<SmapsFormatException>(() => ProcText.ParseSmaps(text));
        Assert.Equal("line 3, column 1: expected 'KernelPageSize:' (the block from line 1 is cut short)", e.Message);
    }

    [Fact]
    public void Smaps_unknown_flag_names_the_line()
    {
        var good = new SmapsBlock(ProcText.ParseMaps("200000000000-200000001000 rw-p 00000000 00:00 0 "), new SmapsCounters { Size = 4 }, 0, 0);
        var lines = good.RenderLines().ToList();
        lines[^1] = "VmFlags: rd zz ";
        var e = Assert.Throws<SmapsFormatException>(() => ProcText.ParseSmaps(string.Join("\n", lines)));
        Assert.Equal($"line {lines.Count}, column 10: expected known VmFlags codes, got 'zz'", e.Message);
    }
}
