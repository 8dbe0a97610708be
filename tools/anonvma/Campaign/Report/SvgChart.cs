using AnonVma.Model;
using System.Globalization;
using System.Text;

namespace AnonVma.Campaign.Report;

/// <summary>Line charts as inline SVG text, so the page needs no script library, works offline and shows in a screenshot.</summary>
public static class SvgChart
{
    /// <summary>One value at a campaign time; the tooltip is shown on hovering the point's marker.</summary>
    public sealed record Point(double Seconds, double Value, string? Tooltip = null);

    /// <summary>A line in the legend: Step for counters, Markers for hoverable points, Line = false for events, not measurements.</summary>
    public sealed record Series(string Name, string Colour, IReadOnlyList<Point> Points)
    {
        public bool Step { get; init; }
        public bool Markers { get; init; }
        public bool Line { get; init; } = true;
        public bool Dashed { get; init; }
    }

    /// <summary>What a chart says when its lines have fewer than two points: the chart is still drawn, and says why it is bare.</summary>
    public const string NotEnoughSamples = "not enough samples yet";

    public const int Width = 720;
    const double Left = 64, Right = 20, Top = 52, PlotHeight = 180;
    const double PlotWidth = Width - Left - Right;
    const double LegendRow = 18;
    const string Axis = "#9ca3af", Grid = "#e5e7eb", Muted = "#6b7280", Ink = "#111827";
    const string Font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>
    /// The chart as one &lt;svg class="chart" data-chart="NAME"&gt;. unit labels the y axis ("calls/s", "MiB");
    /// integers keeps the y ticks whole, for counts.
    /// </summary>
    public static string Render(string name, string title, string unit, IReadOnlyList<Series> series, bool integers = false)
    {
        var clean = series
            .Select(s => s with { Points = s.Points.Where(p => double.IsFinite(p.Seconds) && double.IsFinite(p.Value)).OrderBy(p => p.Seconds).ToList() })
            .ToList();
        var all = clean.SelectMany(s => s.Points).ToList();

        // x: campaign time from 0 (or from the earliest point, were it negative), in the unit its span reads best in.
        double xMin = all.Count == 0 ? 0 : Math.Min(0, all.Min(p => p.Seconds));
        double xMax = all.Count == 0 ? 0 : all.Max(p => p.Seconds);
        if (!(xMax > xMin)) xMax = xMin + 60;
        var (unitName, perUnit) = TimeUnit(xMax - xMin);
        var xTicks = XTicks(xMin / perUnit, xMax / perUnit);

        // y: always shows 0, so the heights compare; extended to nice bounds.
        double yLo = all.Count == 0 ? 0 : Math.Min(0, all.Min(p => p.Value));
        double yHi = all.Count == 0 ? 0 : Math.Max(0, all.Max(p => p.Value));
        var yTicks = YTicks(yLo, yHi, integers);
        double yMin = yTicks[0], yMax = yTicks[^1];

        double X(double seconds) => Left + (seconds - xMin) / (xMax - xMin) * PlotWidth;
        double Y(double value) => Top + (yMax - value) / (yMax - yMin) * PlotHeight;

        var legend = LayoutLegend(clean);
        double legendTop = Top + PlotHeight + 52;
        double height = Math.Ceiling(legendTop + legend.Rows * LegendRow + 6);

        var sb = new StringBuilder();
        sb.Append($"<svg class=\"chart\" data-chart=\"{Esc(name)}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {F(height)}\" ")
          .Append($"width=\"{Width}\" height=\"{F(height)}\" role=\"img\" aria-label=\"{Esc(title)}\" font-family=\"{Font}\" font-size=\"12\" fill=\"{Ink}\">\n");
        sb.Append($"<title>{Esc(title)}</title>\n");
        sb.Append($"<text x=\"{F(Left)}\" y=\"20\" font-size=\"15\" font-weight=\"600\">{Esc(title)}</text>\n");
        sb.Append($"<text x=\"{F(Left)}\" y=\"{F(Top - 12)}\" fill=\"{Muted}\">{Esc(unit)}</text>\n");

        // Grid and y ticks.
        foreach (var t in yTicks)
        {
            double y = Y(t);
            sb.Append($"<line x1=\"{F(Left)}\" y1=\"{F(y)}\" x2=\"{F(Left + PlotWidth)}\" y2=\"{F(y)}\" stroke=\"{(t == 0 ? Axis : Grid)}\"/>")
              .Append($"<text x=\"{F(Left - 8)}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"{Muted}\">{Compact(t)}</text>\n");
        }
        // x axis and ticks.
        double bottom = Top + PlotHeight;
        sb.Append($"<line x1=\"{F(Left)}\" y1=\"{F(Top)}\" x2=\"{F(Left)}\" y2=\"{F(bottom)}\" stroke=\"{Axis}\"/>\n");
        sb.Append($"<line x1=\"{F(Left)}\" y1=\"{F(bottom)}\" x2=\"{F(Left + PlotWidth)}\" y2=\"{F(bottom)}\" stroke=\"{Axis}\"/>\n");
        foreach (var t in xTicks)
        {
            double x = X(t * perUnit);
            sb.Append($"<line x1=\"{F(x)}\" y1=\"{F(bottom)}\" x2=\"{F(x)}\" y2=\"{F(bottom + 5)}\" stroke=\"{Axis}\"/>")
              .Append($"<text x=\"{F(x)}\" y=\"{F(bottom + 19)}\" text-anchor=\"middle\" fill=\"{Muted}\">{Compact(t)}</text>\n");
        }
        sb.Append($"<text x=\"{F(Left + PlotWidth / 2)}\" y=\"{F(bottom + 38)}\" text-anchor=\"middle\" fill=\"{Muted}\">campaign time ({unitName})</text>\n");

        // Series: lines first, then the markers over them.
        foreach (var s in clean.Where(s => s.Line && s.Points.Count > 0))
            AppendLine(sb, s, X, Y);
        foreach (var s in clean.Where(s => s.Points.Count > 0 && (s.Markers || !s.Line)))
            AppendMarkers(sb, s, X, Y);

        int longest = clean.Where(s => s.Line).Select(s => s.Points.Select(p => p.Seconds).Distinct().Count()).DefaultIfEmpty(0).Max();
        if (longest < 2)
            sb.Append($"<text class=\"note\" x=\"{F(Left + PlotWidth / 2)}\" y=\"{F(Top + PlotHeight / 2 - 14)}\" text-anchor=\"middle\" ")
              .Append($"font-size=\"14\" font-style=\"italic\" fill=\"{Muted}\">{NotEnoughSamples}</text>\n");

        foreach (var item in legend.Items)
        {
            double x = Left + item.X, y = legendTop + item.Row * LegendRow;
            var s = item.Series;
            if (s.Line)
                sb.Append($"<line x1=\"{F(x)}\" y1=\"{F(y - 4)}\" x2=\"{F(x + 18)}\" y2=\"{F(y - 4)}\" stroke=\"{Esc(s.Colour)}\" stroke-width=\"2.5\"{Dash(s)}/>");
            if (s.Markers || !s.Line)
                sb.Append($"<circle cx=\"{F(x + 9)}\" cy=\"{F(y - 4)}\" r=\"4\" fill=\"{Esc(s.Colour)}\" stroke=\"#fff\"/>");
            string label = s.Points.Count == 0 ? $"{s.Name} (no data)" : s.Name;
            sb.Append($"<text x=\"{F(x + 24)}\" y=\"{F(y)}\">{Esc(label)}</text>\n");
        }
        sb.Append("</svg>");
        return sb.ToString();
    }

    static void AppendLine(StringBuilder sb, Series s, Func<double, double> X, Func<double, double> Y)
    {
        var data = new List<(double X, double Y)>();
        for (int i = 0; i < s.Points.Count; i++)
        {
            var p = s.Points[i];
            if (s.Step && i > 0) data.Add((p.Seconds, s.Points[i - 1].Value));
            data.Add((p.Seconds, p.Value));
        }
        var px = Thin(data.Select(d => (X: X(d.X), Y: Y(d.Y))).ToList());
        double length = 0;
        for (int i = 1; i < px.Count; i++) length += Math.Sqrt(Math.Pow(px[i].X - px[i - 1].X, 2) + Math.Pow(px[i].Y - px[i - 1].Y, 2));
        bool single = length < 1;
        if (single)
        {
            // One point (or all at one pixel): a short flat line, so there is still something to see and to hover.
            double cx = Math.Clamp(px[0].X, Left + 7, Left + PlotWidth - 7), cy = px[0].Y;
            px = [(cx - 7, cy), (cx + 7, cy)];
        }
        string points = string.Join(" ", px.Select(p => $"{F(p.X)},{F(p.Y)}"));
        sb.Append($"<polyline class=\"series\" data-series=\"{Esc(s.Name)}\" points=\"{points}\" fill=\"none\" stroke=\"{Esc(s.Colour)}\" ")
          .Append($"stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"{Dash(s)}><title>{Esc(s.Name)}</title></polyline>\n");
        if (single && !s.Markers)
            sb.Append($"<circle class=\"point\" cx=\"{F((px[0].X + px[1].X) / 2)}\" cy=\"{F(px[0].Y)}\" r=\"3\" fill=\"{Esc(s.Colour)}\"><title>{Esc(Tip(s, s.Points[^1]))}</title></circle>\n");
    }

    /// <summary>
    /// At most four points per pixel column (its first, lowest, highest and last), so a night of samples every few
    /// seconds stays a page of a few hundred kilobytes and looks the same.
    /// </summary>
    internal static List<(double X, double Y)> Thin(List<(double X, double Y)> px)
    {
        var kept = new List<(double X, double Y)>(Math.Min(px.Count, 4 * (int)PlotWidth + 8));
        for (int start = 0; start < px.Count;)
        {
            int end = start;
            while (end + 1 < px.Count && Math.Floor(px[end + 1].X) == Math.Floor(px[start].X)) end++;
            int lo = start, hi = start;
            for (int i = start; i <= end; i++)
            {
                if (px[i].Y < px[lo].Y) lo = i;
                if (px[i].Y > px[hi].Y) hi = i;
            }
            foreach (int i in new[] { start, lo, hi, end }.Distinct().Order())
                kept.Add(px[i]);
            start = end + 1;
        }
        return kept;
    }

    static void AppendMarkers(StringBuilder sb, Series s, Func<double, double> X, Func<double, double> Y)
    {
        // Markers alone are the series (class "series", checked by their box); markers on a line only decorate it.
        string cls = s.Line ? "markers" : "series markers";
        sb.Append($"<g class=\"{cls}\" data-series=\"{Esc(s.Name)}\" fill=\"{Esc(s.Colour)}\" stroke=\"#fff\" stroke-width=\"1.5\">\n");
        foreach (var p in s.Points)
            sb.Append($"<circle class=\"marker\" cx=\"{F(X(p.Seconds))}\" cy=\"{F(Y(p.Value))}\" r=\"5\"><title>{Esc(Tip(s, p))}</title></circle>\n");
        sb.Append("</g>\n");
    }

    static string Tip(Series s, Point p) => p.Tooltip ?? $"{s.Name}: {Compact(p.Value)} at {HtmlReport.Duration(p.Seconds)}";

    static string Dash(Series s) => s.Dashed ? " stroke-dasharray=\"6 4\"" : "";

    sealed record LegendItem(Series Series, double X, int Row);
    sealed record Legend(IReadOnlyList<LegendItem> Items, int Rows);

    /// <summary>Legend entries left to right, wrapping to a new row when the plot's width is used up.</summary>
    static Legend LayoutLegend(IReadOnlyList<Series> series)
    {
        var items = new List<LegendItem>();
        double x = 0;
        int row = 0;
        foreach (var s in series)
        {
            string label = s.Points.Count == 0 ? $"{s.Name} (no data)" : s.Name;
            double w = 24 + 7 * label.Length + 18;
            if (x > 0 && x + w > PlotWidth) { row++; x = 0; }
            items.Add(new LegendItem(s, x, row));
            x += w;
        }
        return new Legend(items, items.Count == 0 ? 0 : row + 1);
    }

    /// <summary>Seconds under 3 minutes, minutes under 3 hours, hours beyond.</summary>
    internal static (string Name, double Seconds) TimeUnit(double span) =>
        span <= 180 ? ("s", 1) : span <= 3 * 3600 ? ("min", 60) : ("h", 3600);

    /// <summary>Round ticks within [lo, hi] (in the axis's unit), at most seven of them.</summary>
    internal static IReadOnlyList<double> XTicks(double lo, double hi)
    {
        double range = hi - lo;
        if (!(range > 0) || !double.IsFinite(range)) return [lo];
        double mag = Math.Pow(10, Math.Floor(Math.Log10(range / 7)));
        foreach (double m in (double[])[1, 2, 5, 10, 20, 50, 100])
        {
            double step = m * mag;
            double first = Math.Ceiling(lo / step - 1e-9) * step;
            int count = (int)Math.Floor((hi - first) / step + 1e-9) + 1;
            if (count <= 7) return Enumerable.Range(0, count).Select(i => Clean(first + i * step)).ToList();
        }
        return [lo, hi];
    }

    /// <summary>4 to 6 round ticks covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten, whole for counts.</summary>
    internal static IReadOnlyList<double> YTicks(double lo, double hi, bool integers)
    {
        if (!double.IsFinite(lo) || !double.IsFinite(hi)) (lo, hi) = (0, 1);
        if (!(hi > lo)) hi = lo + 1;
        double range = hi - lo;
        double mag = Math.Pow(10, Math.Floor(Math.Log10(range / 5)));
        foreach (double m in (double[])[1, 2, 2.5, 5, 10, 20, 25, 50, 100])
        {
            double step = m * mag;
            if (integers && (step < 1 || Math.Abs(step - Math.Round(step)) > 1e-9)) continue;
            double first = Math.Floor(lo / step + 1e-9) * step, last = Math.Ceiling(hi / step - 1e-9) * step;
            int count = (int)Math.Round((last - first) / step) + 1;
            if (count > 6) continue;
            count = Math.Max(count, 4);
            return Enumerable.Range(0, count).Select(i => Clean(first + i * step)).ToList();
        }
        return Enumerable.Range(0, 5).Select(i => lo + i * range / 4).ToList();
    }

    /// <summary>Removes the binary noise of repeated additions (0.30000000000000004 → 0.3).</summary>
    static double Clean(double v)
    {
        if (v == 0 || !double.IsFinite(v)) return v == 0 ? 0 : v;
        int digits = Math.Clamp(12 - (int)Math.Floor(Math.Log10(Math.Abs(v))), 0, 15);
        return Math.Round(v, digits);
    }

    /// <summary>1.2k, 3.4M, 5G: tick and tooltip numbers that fit.</summary>
    public static string Compact(double v)
    {
        if (!double.IsFinite(v)) return "?";
        double a = Math.Abs(v);
        return a >= 1e12 ? (v / 1e12).ToString("0.##", Inv) + "T"
            : a >= 1e9 ? (v / 1e9).ToString("0.##", Inv) + "G"
            : a >= 1e6 ? (v / 1e6).ToString("0.##", Inv) + "M"
            : a >= 1e3 ? (v / 1e3).ToString("0.##", Inv) + "k"
            : a >= 1 || a == 0 ? v.ToString("0.##", Inv)
            : v.ToString("G3", Inv);
    }

    /// <summary>A coordinate: one decimal, invariant, never NaN.</summary>
    static string F(double v) => double.IsFinite(v) ? Math.Round(v, 1).ToString("0.#", Inv) : "0";

    static string Esc(string s) => HtmlReport.Escape(s);
}
