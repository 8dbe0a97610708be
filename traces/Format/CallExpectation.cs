namespace AnonVma.Traces;

/// <summary>
/// What a trace file says one call must give: the result in the executor's spelling and, optionally, every process's
/// arena maps afterwards. Equality is by value, lists included.
/// </summary>
/// <param name="Result">"0", "0x200000000000", "-EINVAL", "SIGSEGV", "p1", "h0", "ok", "ESCAPED"…; null: any result.</param>
/// <param name="Views">Every process the judge reports after the call; null: the maps are not checked.</param>
public sealed record CallExpectation(string? Result, IReadOnlyList<ExpectedView>? Views)
{
    public bool Equals(CallExpectation? other) =>
        other is not null && Result == other.Result &&
        (Views is null ? other.Views is null : other.Views is not null && Views.SequenceEqual(other.Views));

    public override int GetHashCode() => HashCode.Combine(Result, Views?.Count);
}

/// <summary>One process's expected state after a call: gone (it exited in that call) or its arena's maps lines.</summary>
public sealed record ExpectedView(int Pid, bool Gone, IReadOnlyList<string> Maps)
{
    public bool Equals(ExpectedView? other) =>
        other is not null && Pid == other.Pid && Gone == other.Gone && Maps.SequenceEqual(other.Maps);

    public override int GetHashCode() => HashCode.Combine(Pid, Gone, Maps.Count);
}
