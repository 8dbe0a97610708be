using AnonVma.Model.Abi;

namespace AnonVma.Model;

/// <summary>How a call ended, in the form a real kernel run reports it.</summary>
public enum OutcomeKind { Value, Address, Error, Segv, Bus, Process, Handle }

/// <summary>What one call returned: a value, an address, an errno, a signal, a new process or a file handle.</summary>
public readonly record struct Outcome(OutcomeKind Kind, ulong Value = 0, Errno Errno = 0)
{
    public static Outcome Ok => new(OutcomeKind.Value, 0);
    public static Outcome Err(Errno e) => new(OutcomeKind.Error, 0, e);
    public static Outcome Addr(ulong a) => new(OutcomeKind.Address, a);
    public static Outcome Segv => new(OutcomeKind.Segv);
    public static Outcome Bus => new(OutcomeKind.Bus);
    public static Outcome Proc(int index) => new(OutcomeKind.Process, (ulong)index);
    public static Outcome Handle(int index) => new(OutcomeKind.Handle, (ulong)index);

    public bool IsError => Kind == OutcomeKind.Error;

    /// <summary>The executor's spelling: 0, 0x200000000000, -EINVAL, SIGSEGV, p1, h0.</summary>
    public override string ToString() => Kind switch
    {
        OutcomeKind.Value => Value.ToString(),
        OutcomeKind.Address => $"0x{Value:x}",
        OutcomeKind.Error => $"-{Errno}",
        OutcomeKind.Segv => "SIGSEGV",
        OutcomeKind.Bus => "SIGBUS",
        OutcomeKind.Process => $"p{Value}",
        OutcomeKind.Handle => $"h{Value}",
        _ => "?",
    };

    /// <summary>Parses the executor's spelling back; null when it is not one of the forms above.</summary>
    public static Outcome? Parse(string s)
    {
        if (s == "SIGSEGV") return Segv;
        if (s == "SIGBUS") return Bus;
        if (s.StartsWith("-E") && Enum.TryParse<Errno>(s[1..], out var e)) return Err(e);
        if (s.StartsWith("0x") && ulong.TryParse(s[2..], System.Globalization.NumberStyles.HexNumber, null, out var a)) return Addr(a);
        if (s.Length > 1 && s[0] == 'p' && int.TryParse(s[1..], out var p)) return Proc(p);
        if (s.Length > 1 && s[0] == 'h' && int.TryParse(s[1..], out var h)) return Handle(h);
        if (ulong.TryParse(s, out var v)) return new Outcome(OutcomeKind.Value, v);
        return null;
    }
}
