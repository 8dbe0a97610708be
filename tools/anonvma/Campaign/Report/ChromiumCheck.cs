using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace AnonVma.Campaign.Report;

/// <summary>What a headless Chromium saw of a report: a page that renders is not yet a page whose charts are drawn.</summary>
/// <param name="Ran">Chromium started, finished in time and printed the page's DOM.</param>
/// <param name="ChartsExpected">svg.chart elements on the page, as its script counted them.</param>
/// <param name="ChartsDrawn">Those with a non-empty box whose every series has a box too.</param>
/// <param name="Problem">What is wrong, for people; null when every chart was drawn.</param>
public sealed record ChromiumResult(bool Ran, int ChartsExpected, int ChartsDrawn, string? Problem)
{
    public bool Ok => Ran && Problem is null;
}

/// <summary>Opens a report in headless Chromium, so CI fails on blank charts instead of the morning's reader.</summary>
public static class ChromiumCheck
{
    const string InstallHint = "install it with: apt-get install chromium";

    /// <summary>/usr/bin/chromium, else chromium on PATH, else null.</summary>
    public static string? Find() =>
        new[] { "/usr/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            .Select(dir => Path.Combine(dir, "chromium")).FirstOrDefault(File.Exists);

    /// <summary>Loads the page, lets its script run, and reads what it left on body from the DOM.</summary>
    public static ChromiumResult Check(string htmlPath, TimeSpan? timeout = null)
    {
        var (dom, problem) = Run(htmlPath, timeout, "--dump-dom");
        return problem is null ? ParseDom(dom) : new(false, 0, 0, problem);
    }

    /// <summary>A PNG of the page at 1280×4000, for people; null when it was written, else what went wrong.</summary>
    public static string? Screenshot(string htmlPath, string pngPath, TimeSpan? timeout = null)
    {
        string png = Path.GetFullPath(pngPath);
        if (File.Exists(png)) File.Delete(png);
        var (_, problem) = Run(htmlPath, timeout, $"--screenshot={png}", "--window-size=1280,4000", "--hide-scrollbars");
        return problem ?? (File.Exists(png) && new FileInfo(png).Length > 0 ? null : $"chromium wrote no screenshot to {png}");
    }

    /// <summary>Reads body's data-charts="DRAWN/CHARTS" and data-not-drawn, which the page's script sets.</summary>
    internal static ChromiumResult ParseDom(string dom)
    {
        var body = Regex.Match(dom, @"<body\b[^>]*>", RegexOptions.IgnoreCase);
        if (!body.Success) return new(false, 0, 0, "chromium printed no page (no <body> in its --dump-dom output)");
        var charts = Regex.Match(body.Value, @"\sdata-charts=""(\d+)/(\d+)""");
        if (!charts.Success) return new(true, 0, 0, "the page's check script did not run: <body> has no data-charts");
        int drawn = int.Parse(charts.Groups[1].Value, CultureInfo.InvariantCulture), expected = int.Parse(charts.Groups[2].Value, CultureInfo.InvariantCulture);
        string notDrawn = Regex.Match(body.Value, @"\sdata-not-drawn=""([^""]*)""").Groups[1].Value;
        return new(true, expected, drawn,
            expected == 0 ? "the page has no svg.chart element" : drawn < expected ? $"only {drawn} of {expected} charts drawn; not drawn: {notDrawn}" : null);
    }

    /// <summary>
    /// One headless run in a fresh profile directory, deleted afterwards. Chromium runs in a session of its own (setsid),
    /// so that its helpers can be killed with it: on timeout, and when one still holds its output open after it exited
    /// (seen on a loaded machine), which would otherwise keep the output from ending.
    /// </summary>
    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    static extern int kill(int pid, int sig);

    static (string Stdout, string? Problem) Run(string htmlPath, TimeSpan? timeout, params string[] args)
    {
        if (!File.Exists(htmlPath)) return ("", $"no such file: {htmlPath}");
        if (Find() is not { } chromium) return ("", $"chromium not found (neither /usr/bin/chromium nor chromium on PATH); {InstallHint}");
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        string profile = Directory.CreateTempSubdirectory("anonvma-chromium-").FullName;
        var psi = new ProcessStartInfo("setsid",
            ["--wait", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--no-default-browser-check",
             $"--user-data-dir={profile}", "--virtual-time-budget=5000", .. args, new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri])
        { RedirectStandardOutput = true, RedirectStandardError = true };
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(limit))
            {
                try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                p.WaitForExit(10_000);
                return ("", $"chromium did not finish within {limit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s and was killed");
            }
            if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10)))
            {
                kill(-p.Id, 9); // the helpers left in its process group, whose id is its pid (setsid made it the leader)
                if (!Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10))) return ("", "chromium exited but a child process kept its output open");
            }
            // Its stderr is mostly D-Bus noise before the lines that matter, at the end.
            var tail = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4);
            return p.ExitCode == 0 ? (stdout.Result, null) : ("", $"chromium exited with code {p.ExitCode}: {string.Join(" / ", tail.DefaultIfEmpty("(no message)"))}");
        }
        catch (Win32Exception e) { return ("", $"cannot start {chromium} through setsid: {e.Message}; {InstallHint}"); }
        finally
        {
            // Chromium's helpers may still be closing files in the profile for a moment after it exits.
            for (int i = 0; i < 5 && Directory.Exists(profile); i++)
                try { Directory.Delete(profile, recursive: true); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Thread.Sleep(200); }
        }
    }
}
