using System.Text;
using AnonVma.Model;
using AnonVma.Model.Calls;

namespace AnonVma.Traces;

/// <summary>One call in the file's C-like syntax, both ways: "p0: munmap(0x200000000000, 0x1000)".</summary>
internal static class CallSyntax
{
    public static string Print(Call call)
    {
        if (call.Pid is < 0 or >= ExecutorLimits.MaxProcesses) throw new ArgumentException($"{call}: processes are p0 to p{ExecutorLimits.MaxProcesses - 1}");
        var spec = CallTable.Of(call);
        var args = spec.Args.Zip(spec.Read(call), (a, v) => a.Kind switch
        {
            ArgKind.Flags => a.Family!.Print(v.Number),
            ArgKind.Handle => v.Handle < 0 ? v.Handle.ToString() : $"h{v.Handle}",
            ArgKind.Bit => v.Number.ToString(),
            ArgKind.Name => NameArg(call, v),
            ArgKind.Constant => a.Constant!,
            _ => H(v.Number),
        });
        return $"p{call.Pid}: {spec.Name}({string.Join(", ", args)})";
    }

    /// <summary>Addresses, lengths and sizes print in hex, zero as 0.</summary>
    internal static string H(ulong v) => v == 0 ? "0" : $"0x{v:x}";

    static string NameArg(Call c, ArgValue v)
    {
        if (v.Number != 0)
            return v.Text is null && !v.BadPointer ? $"(char *){H(v.Number)}" : throw new ArgumentException($"{c}: a pointer name has no string");
        if (v.BadPointer)
            return v.Text is null ? "(char *)1" : throw new ArgumentException($"{c}: a bad pointer has no name to print");
        if (v.Text is null) return "NULL";
        var sb = new StringBuilder("\"");
        foreach (char ch in v.Text)
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
        if (name is null || CallTable.Find(name) is not { } spec)
            throw cur.Expected($"a call ({string.Join(", ", CallTable.All.Select(s => s.Name))})");
        cur.Pos += name.Length;
        cur.Expect('(', $"after {name}");
        var a = new Args(cur, name, spec.Args.Select(x => x.Label).ToArray());
        var values = spec.Args.Select(x => x.Kind switch
        {
            ArgKind.Flags => new ArgValue(a.Flags(x.Family!)),
            ArgKind.Handle => ArgValue.Of(a.Fd()),
            ArgKind.Bit => new ArgValue(a.Bit() ? 1UL : 0UL),
            ArgKind.Name => a.Name() is var (text, bad, from) ? ArgValue.OfName(text, bad, from) : default,
            ArgKind.Constant => a.Symbol(x.Constant!),
            _ => new ArgValue(a.U64(x.Bits)),
        }).ToArray();
        a.Close();
        return spec.Build(pid, values);
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

        public ulong U64(int bits = 64) => cur.Number(Next(), bits);

        public ulong Flags(FlagFamily s)
        {
            string what = Next();
            ulong v = 0;
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
                else v |= cur.Number(what, s.Bits);
            } while (!s.IsValue && cur.TryChar('|'));
            return v;
        }

        public int Fd()
        {
            string what = Next();
            cur.SkipBlanks();
            int at = cur.Pos;
            if (cur.TryChar('-'))
            {
                ulong n = cur.Number(what, 31);
                return n == 1 ? -1 : throw cur.Error(at, $"expected a handle (h0, h1…) or -1 for {what}, found -{n}");
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

        public ArgValue Symbol(string symbol)
        {
            string what = Next();
            if (cur.PeekWord() != symbol) throw cur.Expected($"{symbol} as {what}");
            cur.Word(symbol);
            return default;
        }

        /// <summary>A string, NULL, the bad pointer (char *)1, or (char *)ADDRESS: the name the process's memory holds there.</summary>
        public (string? name, bool bad, ulong from) Name()
        {
            string what = Next();
            cur.SkipBlanks();
            if (cur.PeekWord() == "NULL") { cur.Word(what); return (null, false, 0); }
            if (cur.TryChar('('))
            {
                const string cast = "in (char *)ADDRESS";
                if (cur.PeekWord() != "char") throw cur.Expected($"'char' {cast}");
                cur.Word("char");
                cur.Expect('*', cast);
                cur.Expect(')', cast);
                cur.SkipBlanks();
                int at = cur.Pos;
                ulong n = cur.Number(what);
                if (n == 0) throw cur.Error(at, $"expected 1 (the bad pointer) or an arena address {cast}, found 0 (write NULL)");
                return n == 1 ? (null, true, 0) : (null, false, n);
            }
            if (cur.Pos < cur.Text.Length && cur.Text[cur.Pos] == '"') return (cur.String(what), false, 0);
            throw cur.Expected($"a string, NULL, (char *)1 or (char *)ADDRESS for {what}");
        }
    }
}
