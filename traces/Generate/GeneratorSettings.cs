using AnonVma.Model.Abi;

namespace AnonVma.Traces.Generate;

/// <summary>
/// The knobs of the choice-based generator. The defaults give a small arena (calls collide), a few processes, and
/// stay within what the executor accepts (8 process indices, 16 handles, every fixed range inside the arena).
/// </summary>
public sealed record GeneratorSettings
{
    /// <summary>Pages in the arena; small so that mappings overlap, split and merge often.</summary>
    public int ArenaPages { get; init; } = 8;
    /// <summary>Processes a trace may create in all (live or exited); the executor allows p0…p7.</summary>
    public int MaxProcesses { get; init; } = 6;
    /// <summary>memfds a trace may create.</summary>
    public int MaxFiles { get; init; } = 4;
    /// <summary>Longest range in pages (before clamping to the arena's end).</summary>
    public int MaxRangePages { get; init; } = 4;
    /// <summary>The valid names drawn most of the time; equal names on neighbours are what makes merges interesting.</summary>
    public IReadOnlyList<string> NamePool { get; init; } = ["a", "b", "heap", ""];

    /// <summary>
    /// Names that live in the process's memory: a write stores a chosen byte (store) at the start of a page, and a
    /// third of the pool names become a pointer to such a page's first byte, so what the memory holds there, and
    /// what happens to it later, is the name (the naming designs' suite). Off by default, so a seed's trace never changes.
    /// </summary>
    public bool NamesInMemory { get; init; }

    /// <summary>
    /// MAP_REFPAGE mappings (seed 003): a fifth of the mmaps become private MAP_REFPAGE mappings whose reference page is
    /// an arena page. For a profile with RefPageRules other than None; off by default, so a seed's trace never changes.
    /// </summary>
    public bool RefPages { get; init; }

    /// <summary>
    /// mremap: half of the munmap choices become an mremap of the same range (shrinking it, growing it in place or
    /// letting it move, moving it to a fixed arena address, keeping the source with MREMAP_DONTUNMAP). Off by default,
    /// so a seed's trace never changes.
    /// </summary>
    public bool Remaps { get; init; }

    /// <summary>
    /// Later advice: half of the madvise choices draw from <see cref="LaterAdvice"/> (the access pattern, WILLNEED,
    /// DONTNEED_LOCKED, FREE, REMOVE, COLD, PAGEOUT, POPULATE_READ and POPULATE_WRITE), which the model follows since seeds were fixed. Off by
    /// default, so a seed's trace never changes.
    /// </summary>
    public bool MoreAdvice { get; init; }

    /// <summary>The advice <see cref="MoreAdvice"/> adds; the rest is FlagFamily.Advice.Generated.</summary>
    public static readonly int[] LaterAdvice = [Madv.Normal, Madv.Random, Madv.Sequential, Madv.WillNeed, Madv.DontNeedLocked, Madv.Free, Madv.Remove, Madv.Cold, Madv.PageOut, Madv.PopulateRead, Madv.PopulateWrite];

    /// <summary>The bytes stores write: letters, so that names are often equal; a NUL, which ends a name; and two bytes no name may hold.</summary>
    public static readonly byte[] StoredBytes = "aabbc"u8.ToArray().Concat(new byte[] { 0, (byte)']', (byte)'\n' }).ToArray();

    public static readonly GeneratorSettings Default = new();
}
