using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AnonVma.Campaign.Report;

/// <summary>What a headless Chromium saw of a report: a page that renders is not yet a page whose charts are drawn.</summary>
/// <param name="Ran">Chromium started, finished in time and printed the page's DOM.</param>
/// <param name="ChartsExpected">svg.chart elements on the page, as its script counted them.</param>
/// <param name="ChartsDrawn">Those with a non-empty box whose every series has a length (or, for markers, a box).</param>
/// <param name="Problem">What is wrong, for people; null when every chart was drawn.</param>
public sealed record ChromiumResult(bool Ran, int ChartsExpected, int ChartsDrawn, string? Problem)
{
    public bool Ok => Ran && Problem is null;
}

/// <summary>Opens a report in headless Chromium, so CI fails on blank charts instead of the morning's reader.</summary>
public static class ChromiumCheck
{
    public const string InstallHint = "install it with: apt-get install chromium";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>/usr/bin/chromium, else chromium on PATH, else null.</summary>
    public static string? Find()
    {
        if (File.Exists("/usr/bin/chromium")) return "/usr/bin/chromium";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "chromium");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Loads the page, lets its script run, and reads body's data-charts-expected / data-charts-drawn from the DOM.</summary>
    public static ChromiumResult Check(string htmlPath, TimeSpan? timeout = null)
    {
        if (!File.Exists(htmlPath)) return new(false, 0, 0, $"no such file: {htmlPath}");
        var run = Run(["--dump-dom", FileUrl(htmlPath)], timeout);
        return run.Problem is not null ? new(false, 0, 0, run.Problem) : ParseDom(run.Stdout);
    }

    /// <summary>A PNG of the page at 1280×4000, for people; null when it was written, else what went wrong.</summary>
    public static string? Screenshot(string htmlPath, string pngPath, TimeSpan? timeout = null)
    {
        if (!File.Exists(htmlPath)) return $"no such file: {htmlPath}";
        string png = Path.GetFullPath(pngPath);
        if (File.Exists(png)) File.Delete(png);
        var run = Run([$"--screenshot={png}", "--window-size=1280,4000", "--hide-scrollbars", FileUrl(htmlPath)], timeout);
        if (run.Problem is not null) return run.Problem;
        return File.Exists(png) && new FileInfo(png).Length > 0 ? null : $"chromium wrote no screenshot to {png}";
    }

    /// <summary>Reads the counts the page's script left on body, and names the charts it marked as not drawn.</summary>
    internal static ChromiumResult ParseDom(string dom)
    {
        var body = Regex.Match(dom, @"<body\b[^>]*>", RegexOptions.IgnoreCase);
        if (!body.Success) return new(false, 0, 0, "chromium printed no page (no <body> in its --dump-dom output)");
        int? expected = IntAttribute(body.Value, "data-charts-expected"), drawn = IntAttribute(body.Value, "data-charts-drawn");
        if (expected is null || drawn is null)
            return new(true, 0, 0, "the page's check script did not run: <body> has no data-charts-expected / data-charts-drawn");
        if (expected == 0) return new(true, 0, drawn.Value, "the page has no svg.chart element");
        if (drawn < expected)
        {
            var bad = Regex.Matches(dom, @"<svg\b[^>]*>", RegexOptions.IgnoreCase)
                .Select(m => m.Value)
                .Where(tag => Attribute(tag, "data-drawn") == "false")
                .Select(tag => Attribute(tag, "data-chart") ?? "(unnamed)")
                .ToList();
            return new(true, expected.Value, drawn.Value,
                $"only {drawn} of {expected} charts drawn" + (bad.Count > 0 ? "; not drawn: " + string.Join(", ", bad) : ""));
        }
        return new(true, expected.Value, drawn.Value, null);
    }

    static int? IntAttribute(string tag, string name) => int.TryParse(Attribute(tag, name), out int n) ? n : null;

    static string? Attribute(string tag, string name)
    {
        var m = Regex.Match(tag, $@"\s{Regex.Escape(name)}\s*=\s*""([^""]*)""", RegexOptions.IgnoreCase);
        return m.Success ? m.Groups[1].Value : null;
    }

    static string FileUrl(string path) => new Uri(Path.GetFullPath(path)).AbsoluteUri;

    sealed record Outcome(string Stdout, string? Problem);

    /// <summary>
    /// One headless run in a fresh profile directory, deleted afterwards. On timeout the whole process tree is killed:
    /// Chromium's renderer and GPU helpers would otherwise outlive it.
    /// </summary>
    static Outcome Run(IEnumerable<string> args, TimeSpan? timeout)
    {
        var chromium = Find();
        if (chromium is null) return new("", $"chromium not found (neither /usr/bin/chromium nor chromium on PATH); {InstallHint}");
        var limit = timeout ?? DefaultTimeout;
        var profile = Path.Combine(Path.GetTempPath(), $"anonvma-chromium-{Guid.NewGuid():N}");
        Directory.CreateDirectory(profile);
        try
        {
            var psi = new ProcessStartInfo(chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--no-default-browser-check", $"--user-data-dir={profile}", "--virtual-time-budget=5000"])
                psi.ArgumentList.Add(a);
            foreach (var a in args) psi.ArgumentList.Add(a);
            Process p;
            try { p = Process.Start(psi) ?? throw new Win32Exception("Process.Start returned null"); }
            catch (Win32Exception e) { return new("", $"cannot start {chromium}: {e.Message}; {InstallHint}"); }
            using (p)
            {
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                if (!p.WaitForExit(limit))
                {
                    try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                    p.WaitForExit(10_000);
                    return new("", $"chromium did not finish within {limit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s and was killed");
                }
                if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)))
                    return new("", "chromium exited but a child process kept its output open");
                if (p.ExitCode != 0)
                    return new(stdout.Result, $"chromium exited with code {p.ExitCode}: {Tail(stderr.Result)}");
                return new(stdout.Result, null);
            }
        }
        finally
        {
            DeleteProfile(profile);
        }
    }

    /// <summary>The last few lines of Chromium's stderr, which is mostly D-Bus noise before the line that matters.</summary>
    static string Tail(string stderr)
    {
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : string.Join(" / ", lines.TakeLast(4));
    }

    /// <summary>Chromium's helpers may still be closing files in it for a moment after it exits, so retry a few times.</summary>
    static void DeleteProfile(string dir)
    {
        for (int i = 0; i < 5 && Directory.Exists(dir); i++)
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { Thread.Sleep(200); }
            catch (UnauthorizedAccessException) { Thread.Sleep(200); }
        }
    }
}
