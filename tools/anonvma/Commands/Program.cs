using System.Runtime.InteropServices;

namespace AnonVma.Cli;

/// <summary>The process entry: hands the console, whether it is a terminal, and Ctrl-C to <see cref="CommandLine.Run"/>.</summary>
static class Program
{
    static int Main(string[] args)
    {
        using var interrupt = new CancellationTokenSource();
        // The first Ctrl-C (or SIGTERM: a CI job cancelled, a service stopped) asks the running command to stop, save
        // and still report; a second one ends the process.
        void Stop(PosixSignalContext c)
        {
            if (interrupt.IsCancellationRequested) return;
            c.Cancel = true;
            interrupt.Cancel();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return CommandLine.Run(args, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, interrupt.Token);
    }
}
