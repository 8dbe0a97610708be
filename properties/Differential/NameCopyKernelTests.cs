using AnonVma.Judges;
using Xunit.Abstractions;

namespace AnonVma.Properties.Differential;

/// <summary>
/// The fork benchmark's second kernel (tools/qemu/strdup-names.patch) really is the copying design: a fork of a process
/// with 5,000 named VMAs grows the guest's unreclaimable slab by about one name copy per VMA (anon_vma_name_alloc's
/// kref and 80-byte name, a kmalloc-96 object), where the stock 6.12, which takes a reference (anon_vma_name_reuse),
/// grows it by next to nothing more than for unnamed VMAs. Measured by tools/forkbench in both guests.
/// </summary>
public class NameCopyKernelTests(ITestOutputHelper log)
{
    const int Vmas = 5000;

    [SkippableFact]
    public void The_strdup_kernel_copies_every_name_at_fork_and_the_stock_kernel_does_not()
    {
        Kernels.Qemu();
        var built = Shell.Run("bash", [Path.Combine(RepoPaths.Root, "tools", "qemu", "build-kernel.sh"), "--print-path", "--variant", "strdup"], TimeSpan.FromSeconds(30));
        Components.Need(built.ExitCode == 0, "Linux 6.12 with tools/qemu/strdup-names.patch", $"{built.Stdout.Trim()} is not built");
        long copies = Vmas * 96L / 1024;
        var strdup = ForkBenchRun.Run("strdup", Vmas, 1, TimeSpan.FromMinutes(10));
        var stock = ForkBenchRun.Run("stock", Vmas, 1, TimeSpan.FromMinutes(10));
        Assert.True(strdup.Failure is null, strdup.Failure);
        Assert.True(stock.Failure is null, stock.Failure);
        foreach (int content in ForkBenchRun.Contents)
        {
            long copied = strdup.NamedSlabGrowth(content), shared = stock.NamedSlabGrowth(content);
            log.WriteLine($"{content} page(s) per VMA: a fork's slab, named - unnamed: strdup {copied} kB, stock {shared} kB (a copy of each name: {copies} kB)");
            Assert.InRange(copied, copies * 8 / 10, copies * 3 / 2);
            Assert.InRange(shared, -copies / 4, copies / 4);
        }
    }
}
