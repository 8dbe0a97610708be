using System.CommandLine;
using AnonVma.Campaign;
using AnonVma.Campaign.Report;

namespace AnonVma.Cli;

/// <summary>`report`: redraws a campaign directory's report.html and summary.md, and with --check renders the page in headless Chromium and checks that every chart is drawn.</summary>
public sealed class ReportCommand : CliCommand
{
    readonly Argument<string> directory = new("DIR") { Description = "the campaign directory" };
    readonly Option<bool> check = TypedOption.Flag("--check", "render the page in headless Chromium (apt-get install chromium) and fail unless every chart is drawn");
    readonly Option<string?> screenshot = TypedOption.Text("--screenshot", "PNG", "also save a screenshot of the rendered page");

    public ReportCommand() : base("report", "redraw a campaign's report.html and summary.md; --check renders it in headless Chromium") =>
        Add(directory, check, screenshot);

    public override int Run(ParseResult args, CliContext context)
    {
        var dir = CampaignDirectory.Open(args.GetValue(directory)!);
        ReportWriter.Write(dir);
        string report = dir.ReportFile;
        context.Out.WriteLine($"report: {Shown.Path(report)}   summary: {Shown.Path(dir.SummaryFile)}");
        int rc = ExitCode.Ok;
        if (args.GetValue(check))
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
        if (args.GetValue(screenshot) is { } png)
        {
            if (ChromiumCheck.Screenshot(report, png) is { } problem)
                throw new InputException($"cannot take a screenshot of {Shown.Path(report)}: {problem}");
            context.Out.WriteLine($"screenshot: {Shown.Path(png)}");
        }
        return rc;
    }
}
