using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// The benchmarks, described in the root README.md ("Benchmark", "Kernel speed" and the exactness targets). Not tests:
// nothing here asserts a target, but a kernel benchmark refuses to report a rate for runs that did not complete.
//   [--short] [BenchmarkDotNet options, e.g. --filter *Fork*]  the model, under BenchmarkDotNet (--short: its ShortRun job)
//   kernels [TRACES]                       the real kernels against the model on the same generated traces
//   campaign [SECONDS] [REPEATS] [JUDGES]  campaign throughput, one worker against one per core
//   mutants [SECONDS]                      the mutation check: kill rate, time to kill, shrunk length
//   fork [VMAS] [FORKS]                    the naming series' fork benchmark on Linux 6.12 with names shared and copied
return args switch
{
    ["fork", .. var rest] => ForkBench.Run(rest),
    ["kernels", .. var rest] => KernelBench.Run(rest),
    ["mutants", .. var rest] => MutantBench.Run(rest),
    ["campaign", .. var rest] => CampaignBench.Run(rest),
    _ => ModelTable.Print(BenchmarkRunner.Run([typeof(CallBenchmarks), typeof(ModelBenchmarks)], ModelConfig(args), [.. args.Where(a => a != "--short")])),
};

// In process: BenchmarkDotNet's separate build of the project takes minutes on two busy cores and hit its own timeout.
static IConfig ModelConfig(string[] args) => DefaultConfig.Instance
    .AddJob((args.Contains("--short") ? Job.ShortRun : Job.Default).WithToolchain(InProcessEmitToolchain.Instance))
    .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "anonvma-bench"));
