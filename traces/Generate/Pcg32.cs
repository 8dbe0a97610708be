namespace AnonVma.Traces.Generate;

/// <summary>
/// The generator behind every seed that names a trace or a test input. System.Random promises no sequence across .NET
/// versions, but campaigns resume and merge by seed, so a seed's trace must be fixed by an algorithm we own: this is
/// PCG32 (XSH RR 64/32) exactly as O'Neill's reference pcg-c-basic has it (pcg_basic.c: pcg32_srandom_r,
/// pcg32_random_r, pcg32_boundedrand_r; pcg-random.org), and its pcg32-demo output is pinned in SeedStabilityTests.
/// </summary>
public sealed class Pcg32
{
    /// <summary>The stream (pcg32_srandom_r's initseq) that seeds use: the reference demo's 54, so its output checks this very stream.</summary>
    public const ulong SeedStream = 54;

    const ulong Multiplier = 6364136223846793005UL;
    ulong state;
    readonly ulong inc;

    /// <summary>pcg32_srandom_r(initState, initSeq): streams with different initSeq never coincide.</summary>
    public Pcg32(ulong initState, ulong initSeq)
    {
        inc = (initSeq << 1) | 1;
        state = 0;
        NextUInt();
        state += initState;
        NextUInt();
    }

    /// <summary>The generator a seed stands for: PCG32 with the seed as its initial state, on <see cref="SeedStream"/>.</summary>
    public static Pcg32 ForSeed(long seed) => new(unchecked((ulong)seed), SeedStream);

    /// <summary>pcg32_random_r: the next 32 bits.</summary>
    public uint NextUInt()
    {
        ulong old = state;
        state = unchecked(old * Multiplier + inc);
        uint xorshifted = (uint)(((old >> 18) ^ old) >> 27);
        int rot = (int)(old >> 59);
        return (xorshifted >> rot) | (xorshifted << (-rot & 31));
    }

    /// <summary>
    /// pcg32_boundedrand_r: uniform in [0, bound), without modulo bias (draws below 2^32 mod bound are rejected and
    /// redrawn), so the value depends on the algorithm alone.
    /// </summary>
    public int Next(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        uint b = (uint)bound, threshold = unchecked(0u - b) % b;
        while (true)
        {
            uint r = NextUInt();
            if (r >= threshold) return (int)(r % b);
        }
    }
}
