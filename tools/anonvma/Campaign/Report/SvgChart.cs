using System.Text;
using static AnonVma.Campaign.Report.HtmlReport;

namespace AnonVma.Campaign.Report;

/// <summary>Line charts as inline SVG text, so the page needs no script library, works offline and shows in a screenshot.</summary>
public static class SvgChart
{
    /// <summary>One value at a campaign time; the tooltip is shown on hovering the point's marker.</summary>
    public sealed record Point(double Seconds, double Value, string? Tooltip = null);

    /// <summary>One line of a chart: Step for counters, Dots for events (a hoverable marker each, no line), Dashed to tell it apart.</summary>
    public sealed record Series(string Name, string Colour, IReadOnlyList<Point> Points, bool Step = false, bool Dots = false, bool Dashed = false);

    /// <summary>What a chart says when its lines have fewer than two points: the chart is still drawn, and says why it is bare.</summary>
    public const string NotEnoughSamples = "not enough samples yet";

    const int Width = 720, Height = 278, Left = 64, Top = 52, PlotWidth = 636, PlotHeight = 180, Bottom = Top + PlotHeight;
    const string Axis = "#9ca3af", Grid = "#e5e7eb", Muted = "#6b7280";

    /// <summary>
    /// The chart as one &lt;svg class="chart" data-chart="NAME"&gt;, then its legend as a &lt;figcaption&gt;. unit labels the
    /// y axis ("calls/s", "MiB"); integers keeps the y ticks whole, for counts.
    /// </summary>
    public static string Render(string name, string title, string unit, IReadOnlyList<Series> series, bool integers = false)
    {
        series = [.. series.Select(s => s with { Points = [.. s.Points.Where(p => double.IsFinite(p.Seconds) && double.IsFinite(p.Value)).OrderBy(p => p.Seconds)] })];
        var all = series.SelectMany(s => s.Points).ToList();

        // x: campaign time from 0 (or from the earliest point, were it negative), in the unit its span reads best in.
        double xLo = Math.Min(0, all.Select(p => p.Seconds).DefaultIfEmpty().Min()), xHi = all.Select(p => p.Seconds).DefaultIfEmpty().Max();
        if (!(xHi > xLo)) xHi = xLo + 60;
        var (unitName, perUnit) = xHi - xLo <= 180 ? ("s", 1) : xHi - xLo <= 3 * 3600 ? ("min", 60) : ("h", 3600);
        // The axis spans the samples exactly, so the round ticks past its ends are dropped.
        var xTicks = Ticks(xLo / perUnit, xHi / perUnit, integers: false).Where(t => t * perUnit >= xLo - 1e-6 && t * perUnit <= xHi + 1e-6);
        // y: always shows 0, so the heights compare.
        var yTicks = Ticks(Math.Min(0, all.Select(p => p.Value).DefaultIfEmpty().Min()), Math.Max(0, all.Select(p => p.Value).DefaultIfEmpty().Max()), integers);
        double X(double seconds) => Left + (seconds - xLo) / (xHi - xLo) * PlotWidth;
        double Y(double value) => Top + (yTicks[^1] - value) / (yTicks[^1] - yTicks[0]) * PlotHeight;

        var sb = new StringBuilder($"""
            <svg class="chart" data-chart="{Escape(name)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {Width} {Height}" width="{Width}" height="{Height}" role="img" aria-label="{Escape(title)}" font-size="12">
            <title>{Escape(title)}</title>
            <text x="{Left}" y="20" font-size="15" font-weight="600">{Escape(title)}</text>
            <text x="{Left}" y="{Top - 12}" fill="{Muted}">{Escape(unit)}</text>
            <text x="{Left + PlotWidth / 2}" y="{Bottom + 38}" text-anchor="middle" fill="{Muted}">campaign time ({unitName})</text>

            """);
        foreach (var t in yTicks)
            sb.Append($"""
                <line x1="{Left}" y1="{F(Y(t))}" x2="{Left + PlotWidth}" y2="{F(Y(t))}" stroke="{(t == 0 ? Axis : Grid)}"/>
                <text x="{Left - 8}" y="{F(Y(t) + 4)}" text-anchor="end" fill="{Muted}">{Compact(t)}</text>

                """);
        foreach (var t in xTicks)
            sb.Append($"""
                <line x1="{F(X(t * perUnit))}" y1="{Top}" x2="{F(X(t * perUnit))}" y2="{Bottom + 5}" stroke="{(t == 0 ? Axis : Grid)}"/>
                <text x="{F(X(t * perUnit))}" y="{Bottom + 19}" text-anchor="middle" fill="{Muted}">{Compact(t)}</text>

                """);

        foreach (var s in series.Where(s => s.Points.Count > 0))
        {
            if (s.Dots)
            {
                var dots = s.Points.Select(p => $"""<circle cx="{F(X(p.Seconds))}" cy="{F(Y(p.Value))}" r="5"><title>{Escape(Tip(s, p))}</title></circle>""");
                sb.Append($"""
                    <g class="series markers" data-series="{Escape(s.Name)}" fill="{Escape(s.Colour)}" stroke="#fff" stroke-width="1.5">
                    {string.Join('\n', dots)}
                    </g>

                    """);
                continue;
            }
            var line = new List<(double X, double Y)>();
            for (int i = 0; i < s.Points.Count; i++)
            {
                if (s.Step && i > 0) line.Add((X(s.Points[i].Seconds), Y(s.Points[i - 1].Value)));
                line.Add((X(s.Points[i].Seconds), Y(s.Points[i].Value)));
            }
            var points = Thin(line).Select(p => $"{F(p.X)},{F(p.Y)}").ToList();
            string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "", dot = "";
            if (points.Distinct().Count() < 2)
            {
                // One point (or all at one pixel): a short flat line with a marker, so there is still something to see and to hover.
                double cx = Math.Clamp(line[0].X, Left + 7, Left + PlotWidth - 7), cy = line[0].Y;
                points = [$"{F(cx - 7)},{F(cy)}", $"{F(cx + 7)},{F(cy)}"];
                dot = $"""<circle cx="{F(cx)}" cy="{F(cy)}" r="3" fill="{Escape(s.Colour)}"><title>{Escape(Tip(s, s.Points[^1]))}</title></circle>""";
            }
            sb.Append($"""
                <polyline class="series" data-series="{Escape(s.Name)}" points="{string.Join(' ', points)}" fill="none" stroke="{Escape(s.Colour)}" stroke-width="2" stroke-linejoin="round"{dash}><title>{Escape(s.Name)}</title></polyline>{dot}

                """);
        }
        if (series.Where(s => !s.Dots).Select(s => s.Points.Select(p => p.Seconds).Distinct().Count()).DefaultIfEmpty().Max() < 2)
            sb.Append($"""
                <text x="{Left + PlotWidth / 2}" y="{Top + PlotHeight / 2 - 14}" text-anchor="middle" font-size="14" font-style="italic" fill="{Muted}">{NotEnoughSamples}</text>

                """);

        var legend = series.Select(s => $"""<span class="key{(s.Dots ? " dots" : s.Dashed ? " dashed" : "")}" style="--c:{Escape(s.Colour)}">{Escape(s.Points.Count == 0 ? $"{s.Name} (no data)" : s.Name)}</span>""");
        return sb.Append($"</svg>\n<figcaption>{string.Join(' ', legend)}</figcaption>").ToString();
    }

    static string Tip(Series s, Point p) => p.Tooltip ?? $"{s.Name}: {Compact(p.Value)} at {Duration(p.Seconds)}";

    /// <summary>
    /// At most four points per pixel column (its first, lowest, highest and last), so a night of samples every few
    /// seconds stays a page of a few hundred kilobytes and looks the same.
    /// </summary>
    static IEnumerable<(double X, double Y)> Thin(List<(double X, double Y)> px) =>
        px.Select((p, i) => (P: p, I: i)).GroupBy(q => Math.Floor(q.P.X))
            .SelectMany(column => new[] { column.First(), column.MinBy(q => q.P.Y), column.MaxBy(q => q.P.Y), column.Last() }
                .DistinctBy(q => q.I).OrderBy(q => q.I).Select(q => q.P));

    /// <summary>4 to 6 round ticks covering [lo, hi], for either axis: steps of 1, 2, 2.5 or 5 times a power of ten, whole for counts.</summary>
    internal static IReadOnlyList<double> Ticks(double lo, double hi, bool integers)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) (lo, hi) = (0, 1);
        if (!(hi > lo)) hi = lo + 1;
        double mag = Math.Pow(10, Math.Floor(Math.Log10((hi - lo) / 5)));
        foreach (double m in (double[])[1, 2, 2.5, 5, 10, 20, 25, 50, 100])
        {
            double step = m * mag;
            if (integers && (step < 1 || Math.Abs(step - Math.Round(step)) > 1e-9)) continue;
            // Ticks are whole multiples of the step, so the one at zero is exactly zero.
            double first = Math.Floor(lo / step + 1e-9), last = Math.Ceiling(hi / step - 1e-9);
            if (last - first <= 5)
                return [.. Enumerable.Range(0, Math.Max(4, (int)(last - first) + 1)).Select(i => (first + i) * step)];
        }
        return [.. Enumerable.Range(0, 5).Select(i => lo + i * (hi - lo) / 4)];
    }

    /// <summary>1.2k, 3.4M, 5G: tick and tooltip numbers that fit.</summary>
    public static string Compact(double v)
    {
        if (!double.IsFinite(v)) return "?";
        foreach (var (scale, suffix) in (ReadOnlySpan<(double, string)>)[(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")])
            if (Math.Abs(v) >= scale) return (v / scale).ToString("0.##", Inv) + suffix;
        return Math.Abs(v) >= 1 || v == 0 ? v.ToString("0.##", Inv) : v.ToString("G3", Inv);
    }

    /// <summary>A coordinate: one decimal, invariant, never NaN.</summary>
    static string F(double v) => double.IsFinite(v) ? Math.Round(v, 1).ToString("0.#", Inv) : "0";
}
