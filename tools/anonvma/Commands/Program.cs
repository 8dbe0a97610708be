namespace AnonVma.Cli;

/// <summary>The process entry: hands the console, whether it is a terminal, and Ctrl-C to <see cref="CommandLine.Run"/>.</summary>
static class Program
{
    static int Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // The first Ctrl-C asks the running command to stop and still report; a second one ends the process.
        Console.CancelKeyPress += (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            interrupt.Cancel();
        };
        // SIGTERM (a CI job cancelled, a service stopped) is treated as Ctrl-C: stop, save, report.
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            if (interrupt.IsCancellationRequested) return;
            c.Cancel = true;
            interrupt.Cancel();
        });
        return CommandLine.Run(args, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, interrupt.Token);
    }
}
