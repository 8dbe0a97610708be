using AnonVma.Campaign;
using AnonVma.Campaign.Report;

namespace AnonVma.Cli;

/// <summary>`report`: redraws a campaign directory's report.html and summary.md, and with --check renders the page in headless Chromium and checks that every chart is drawn.</summary>
public sealed class ReportCommand : ICommand
{
    public string Name => "report";
    public string Synopsis => "DIR [--check] [--screenshot PNG]";
    public string Summary => "redraw a campaign's report.html and summary.md; --check renders it in headless Chromium";
    public IReadOnlyList<string> Positionals => ["DIR"];

    public IReadOnlyList<Option> Options =>
    [
        new("check", null, "render the page in headless Chromium (apt-get install chromium) and fail unless every chart is drawn"),
        new("screenshot", "PNG", "also save a screenshot of the rendered page"),
    ];

    public int Run(Args args, CliContext context)
    {
        var dir = CampaignDirectory.Open(args.Positionals[0]);
        string report = ReportWriter.Write(dir);
        context.Out.WriteLine($"report: {Shown.Path(report)}   summary: {Shown.Path(dir.SummaryFile)}");
        int rc = ExitCode.Ok;
        if (args.Has("check"))
        {
            var r = ChromiumCheck.Check(report);
            if (!r.Ran) throw new InputException($"cannot render {Shown.Path(report)} in headless Chromium: {r.Problem}");
            if (r.Ok) context.Out.WriteLine($"chromium: {r.ChartsDrawn} of {r.ChartsExpected} charts drawn");
            else
            {
                context.Err.WriteLine($"anonvma: {Shown.Path(report)} does not render right in headless Chromium: {r.Problem} ({r.ChartsDrawn} of {r.ChartsExpected} charts drawn)");
                rc = ExitCode.Differs;
            }
        }
        if (args.Get("screenshot") is { } png)
        {
            if (ChromiumCheck.Screenshot(report, png) is { } problem)
                throw new InputException($"cannot take a screenshot of {Shown.Path(report)}: {problem}");
            context.Out.WriteLine($"screenshot: {Shown.Path(png)}");
        }
        return rc;
    }
}
