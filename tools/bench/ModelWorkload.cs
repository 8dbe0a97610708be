using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Traces.Generate;

/// <summary>The states and traces the model benchmarks run on, built the same way for every benchmark that shares a row's meaning.</summary>
static class ModelWorkload
{
    const ulong B = 0x200000000000, P = 4096;
    const int F = Map.Private | Map.Anonymous | Map.FixedNoReplace;

    /// <summary>The address of one-page slot i; slots are two pages apart, so neighbouring VMAs never merge.</summary>
    public static ulong Slot(int i) => B + (ulong)i * 2 * P;

    public static LinuxModel Populated(int n, bool named, bool checkedRun = false)
    {
        var m = new LinuxModel(KernelProfile.Linux612 with { MaxMapCount = 70_000 }) { TracksMergeSites = checkedRun };
        for (int i = 0; i < n; i++)
        {
            ulong a = Slot(i);
            m.Apply(new MmapCall(0, a, P, Prot.ReadWrite, F));
            if (named) m.Apply(new NameCall(0, a, P, $"{i:D8}".PadRight(79, 'n')));
        }
        return m;
    }

    /// <summary>Calls on one-page slots separated by one-page gaps, so the VMA count stays near n while every kind of change happens.</summary>
    public static List<Call> RandomTrace(int n, int count, int seed)
    {
        var rng = Pcg32.ForSeed(seed);
        var calls = new List<Call>(count);
        int[] prots = [Prot.Read, Prot.ReadWrite, Prot.None];
        string[] names = ["heap", "stack", "jit", "gc"];
        while (calls.Count < count)
        {
            ulong a = Slot(rng.Next(n));
            switch (rng.Next(9))
            {
                case 0: calls.Add(new MprotectCall(0, a, P, prots[rng.Next(3)])); break;
                case 1: calls.Add(new MadviseCall(0, a, P, rng.Next(2) == 0 ? Madv.DontDump : Madv.DoDump)); break;
                case 2: calls.Add(new TouchCall(0, a, rng.Next(2) == 0)); break;
                case 3: calls.Add(new NameCall(0, a, P, rng.Next(3) == 0 ? null : names[rng.Next(4)])); break;
                case 4: calls.Add(new MlockCall(0, a, P)); break;
                case 5: calls.Add(new MunlockCall(0, a, P)); break;
                case 6: calls.Add(new MunmapCall(0, a, P)); calls.Add(new MmapCall(0, a, P, Prot.ReadWrite, F)); break;
                case 7: calls.Add(new MmapCall(0, a, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.Fixed)); break;
                default: calls.Add(new MadviseCall(0, a, P, rng.Next(2) == 0 ? Madv.DontFork : Madv.DoFork)); break;
            }
        }
        return calls;
    }
}
