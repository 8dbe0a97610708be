using System.Text;
using AnonVma.Model;

namespace AnonVma.Traces;

/// <summary>One call in the file's C-like syntax, both ways: "p0: munmap(0x200000000000, 0x1000)".</summary>
internal static class CallSyntax
{
    /// <summary>The executor runs p0 to p7.</summary>
    public const int MaxProcesses = 8;

    const string A = "the address", L = "the length";

    /// <summary>Every call's name and its parameters, as messages name them.</summary>
    static readonly Dictionary<string, string[]> Params = new()
    {
        ["mmap"] = [A, L, "prot", "flags", "the fd", "the offset"],
        ["munmap"] = [A, L],
        ["mprotect"] = [A, L, "prot"],
        ["mlock"] = [A, L],
        ["mlock2"] = [A, L, "flags"],
        ["munlock"] = [A, L],
        ["mlockall"] = ["flags"],
        ["munlockall"] = [],
        ["madvise"] = [A, L, "the advice"],
        ["prctl"] = ["the option", "arg2", A, L, "the name"],
        ["read"] = [A],
        ["write"] = [A],
        ["fork"] = [],
        ["exit"] = [],
        ["memfd_create"] = ["the size"],
        ["file"] = ["the size"],
        ["setcreds"] = ["the memlock limit", "CAP_IPC_LOCK"],
    };

    public static string Print(Call call)
    {
        if (call.Pid is < 0 or >= MaxProcesses) throw new ArgumentException($"{call}: processes are p0 to p{MaxProcesses - 1}");
        string body = call switch
        {
            MmapCall c => $"mmap({H(c.Addr)}, {H(c.Len)}, {Symbols.Prot.Print(c.Prot)}, {Symbols.MapFlags.Print(c.Flags)}, {(c.Handle < 0 ? c.Handle.ToString() : $"h{c.Handle}")}, {H(c.Offset)})",
            MunmapCall c => $"munmap({H(c.Addr)}, {H(c.Len)})",
            MprotectCall c => $"mprotect({H(c.Addr)}, {H(c.Len)}, {Symbols.Prot.Print(c.Prot)})",
            MlockCall c => $"mlock({H(c.Addr)}, {H(c.Len)})",
            Mlock2Call c => $"mlock2({H(c.Addr)}, {H(c.Len)}, {Symbols.Mlock2.Print(c.Flags)})",
            MunlockCall c => $"munlock({H(c.Addr)}, {H(c.Len)})",
            MlockallCall c => $"mlockall({Symbols.Mlockall.Print(c.Flags)})",
            MunlockallCall => "munlockall()",
            MadviseCall c => $"madvise({H(c.Addr)}, {H(c.Len)}, {Symbols.Advice.Print(c.Advice)})",
            NameCall c => $"prctl(PR_SET_VMA, {(c.Option == 0 ? "PR_SET_VMA_ANON_NAME" : c.Option.ToString())}, {H(c.Addr)}, {H(c.Len)}, {NameArg(c)})",
            TouchCall c => $"{(c.Write ? "write" : "read")}({H(c.Addr)})",
            ForkCall => "fork()",
            ExitCall => "exit()",
            MemfdCall c => $"memfd_create({H(c.Size)})",
            FileCall c => $"file({H(c.Size)})",
            SetCredsCall c => $"setcreds({H(c.MemlockLimit)}, {(c.CapIpcLock ? 1 : 0)})",
            _ => throw new ArgumentException($"the trace format has no spelling for {call}"),
        };
        return $"p{call.Pid}: {body}";
    }

    /// <summary>Addresses, lengths and sizes print in hex, zero as 0.</summary>
    internal static string H(ulong v) => v == 0 ? "0" : $"0x{v:x}";

    static string NameArg(NameCall c)
    {
        if (c.BadPointer)
            return c.Name is null ? "(char *)1" : throw new ArgumentException($"{c}: a bad pointer has no name to print");
        if (c.Name is null) return "NULL";
        var sb = new StringBuilder("\"");
        foreach (char ch in c.Name)
        {
            if (ch > 0xff) throw new ArgumentException($"{c}: U+{(int)ch:X4} is not a byte (names are Latin-1, as the executor sends them)");
            sb.Append(ch switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\t' => "\\t",
                >= ' ' and <= '~' => ch.ToString(),
                _ => $"\\x{(int)ch:x2}",
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>The call after "pN:"; the cursor is left after the closing parenthesis.</summary>
    public static Call Parse(LineCursor cur, int pid)
    {
        string? name = cur.PeekWord();
        if (name is null || !Params.TryGetValue(name, out var ps))
            throw cur.Expected($"a call ({string.Join(", ", Params.Keys)})");
        cur.Pos += name.Length;
        cur.Expect('(', $"after {name}");
        var a = new Args(cur, name, ps);
        Call call = name switch
        {
            "mmap" => new MmapCall(pid, a.U64(), a.U64(), a.Flags(Symbols.Prot), a.Flags(Symbols.MapFlags), a.Fd(), a.U64()),
            "munmap" => new MunmapCall(pid, a.U64(), a.U64()),
            "mprotect" => new MprotectCall(pid, a.U64(), a.U64(), a.Flags(Symbols.Prot)),
            "mlock" => new MlockCall(pid, a.U64(), a.U64()),
            "mlock2" => new Mlock2Call(pid, a.U64(), a.U64(), a.Flags(Symbols.Mlock2)),
            "munlock" => new MunlockCall(pid, a.U64(), a.U64()),
            "mlockall" => new MlockallCall(pid, a.Flags(Symbols.Mlockall)),
            "munlockall" => new MunlockallCall(pid),
            "madvise" => new MadviseCall(pid, a.U64(), a.U64(), a.Flags(Symbols.Advice)),
            "prctl" => Prctl(pid, a),
            "read" or "write" => new TouchCall(pid, a.U64(), name == "write"),
            "fork" => new ForkCall(pid),
            "exit" => new ExitCall(pid),
            "memfd_create" => new MemfdCall(pid, a.U64()),
            "file" => new FileCall(pid, a.U64()),
            "setcreds" => new SetCredsCall(pid, a.U64(), a.Bit()),
            _ => throw new InvalidOperationException(name),
        };
        a.Close();
        return call;
    }

    static NameCall Prctl(int pid, Args a)
    {
        a.Symbol("PR_SET_VMA");
        ulong option = a.Option();
        ulong addr = a.U64(), len = a.U64();
        var (name, bad) = a.Name();
        return new NameCall(pid, addr, len, name, bad, option);
    }

    /// <summary>Reads a call's arguments in order, with the separators, and names the one that is wrong.</summary>
    sealed class Args(LineCursor cur, string call, string[] names)
    {
        int i;

        string Arity => names.Length == 1 ? $"{call} takes 1 argument" : $"{call} takes {names.Length} arguments";

        /// <summary>Moves to the next argument and returns its name.</summary>
        string Next()
        {
            if (i > 0)
            {
                cur.SkipBlanks();
                if (!cur.TryChar(','))
                    throw cur.Expected(cur.Pos < cur.Text.Length && cur.Text[cur.Pos] == ')'
                        ? $"',' after {names[i - 1]} ({Arity})" : $"',' after {names[i - 1]}");
            }
            return names[i++];
        }

        public void Close()
        {
            if (!cur.TryChar(')'))
                throw cur.Expected(i == 0 ? $"')' ({call} takes no arguments)" : $"')' after {names[i - 1]} ({Arity})");
        }

        public ulong U64() => cur.Number(Next());

        public int Flags(Symbols s)
        {
            string what = Next();
            uint v = 0;
            do
            {
                cur.SkipBlanks();
                int at = cur.Pos;
                string? w = cur.PeekWord();
                if (w is null) throw cur.Expected($"a {s.Family} name or a number for {what}");
                if (!char.IsAsciiDigit(w[0]))
                {
                    v |= s.Lookup(w) ?? throw cur.Error(at, $"expected a {s.Family} name or a number for {what}, found '{w}'");
                    cur.Pos += w.Length;
                }
                else v |= (uint)cur.Number(what, 32);
            } while (!s.IsValue && cur.TryChar('|'));
            return (int)v;
        }

        public int Fd()
        {
            string what = Next();
            cur.SkipBlanks();
            int at = cur.Pos;
            if (cur.TryChar('-'))
            {
                ulong n = cur.Number(what, 31);
                return -(int)n;
            }
            string? w = cur.PeekWord();
            if (w is not null && w.Length > 1 && w[0] == 'h' && w.Skip(1).All(char.IsAsciiDigit) && int.TryParse(w[1..], out int h))
            {
                cur.Pos += w.Length;
                return h;
            }
            throw cur.Error(at, $"expected a handle (h0, h1…) or -1 for {what}, found {cur.Found()}");
        }

        public bool Bit()
        {
            string what = Next();
            cur.SkipBlanks();
            int at = cur.Pos;
            ulong v = cur.Number(what);
            return v <= 1 ? v == 1 : throw cur.Error(at, $"expected 0 or 1 for {what}, found '{cur.Text[at..cur.Pos]}'");
        }

        public void Symbol(string symbol)
        {
            string what = Next();
            if (cur.PeekWord() != symbol) throw cur.Expected($"{symbol} as {what}");
            cur.Word(symbol);
        }

        public ulong Option()
        {
            string what = Next();
            string? w = cur.PeekWord();
            if (w == "PR_SET_VMA_ANON_NAME") { cur.Word(what); return 0; }
            if (w is null || !char.IsAsciiDigit(w[0])) throw cur.Expected($"PR_SET_VMA_ANON_NAME or a number for {what}");
            return cur.Number(what);
        }

        public (string? name, bool bad) Name()
        {
            string what = Next();
            cur.SkipBlanks();
            if (cur.PeekWord() == "NULL") { cur.Word(what); return (null, false); }
            if (cur.TryChar('('))
            {
                const string cast = "in (char *)1";
                if (cur.PeekWord() != "char") throw cur.Expected($"'char' {cast}");
                cur.Word("char");
                cur.Expect('*', cast);
                cur.Expect(')', cast);
                cur.SkipBlanks();
                int at = cur.Pos;
                if (cur.Number(what) != 1) throw cur.Error(at, $"expected 1 {cast} (the bad pointer the executor passes), found '{cur.Text[at..cur.Pos]}'");
                return (null, true);
            }
            if (cur.Pos < cur.Text.Length && cur.Text[cur.Pos] == '"') return (cur.String(what), false);
            throw cur.Expected($"a string, NULL or (char *)1 for {what}");
        }
    }
}
