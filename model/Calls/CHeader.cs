using System.Text;

namespace AnonVma.Model.Calls;

/// <summary>
/// Writes tools/executor/calls.h from the call table and the executor's limits, so the executor and every C reproducer
/// spell calls, flags and limits exactly as the C# side does. The header is checked in; a test fails when it is stale.
/// </summary>
public static class CHeader
{
    /// <summary>The header's text.</summary>
    public static string Text()
    {
        var sb = new StringBuilder();
        sb.Append("""
            /*
             * calls.h: the calls AnonVma makes, their flag names and the executor's limits, as the executor and every
             * C reproducer need them.  Generated from model/Calls/CallTable.cs, FlagFamily.cs and ExecutorLimits.cs:
             * do not edit.  Regenerate with
             *     ANONVMA_REGENERATE=1 dotnet test AnonVma.sln --filter CallHeaderTests
             * Include it after the system headers: it defines only the names they lack.
             */
            #ifndef ANONVMA_CALLS_H
            #define ANONVMA_CALLS_H


            """);
        sb.Append($"#define MAXPROC {ExecutorLimits.MaxProcesses}\n");
        sb.Append($"#define MAXHANDLE {ExecutorLimits.MaxHandles}\n");
        sb.Append($"#define NAME_MAX_BYTES {ExecutorLimits.MaxNameBytes}\n\n");

        sb.Append("/* flag and option names */\n");
        var names = CallTable.All.SelectMany(s => s.Args).SelectMany(IEnumerable<(string Name, ulong Value)> (arg) => arg.Kind switch
        {
            ArgKind.Constant => [(arg.Constant!, arg.ConstantValue)],
            ArgKind.Flags => arg.Family!.Definitions,
            _ => [],
        });
        foreach (var (name, value) in names.DistinctBy(n => n.Name))
            sb.Append($"#ifndef {name}\n#define {name} 0x{value:x}\n#endif\n");

        sb.Append("\n/* the calls, in the order of the table */\nenum op {\n");
        foreach (var spec in CallTable.All) sb.Append($"\t{spec.Op},\n");
        sb.Append("\tOP_COUNT\n};\n\n");
        sb.Append("""
            /* how a batch spells an argument: a number (hex or decimal), a handle (-1 or hN), a name (NULL, BADPTR or hex:...) */
            enum argkind { AK_NUM, AK_HANDLE, AK_NAME };

            /* the executor's arena rule for a call (tools/executor/README.md, "Range rule") */
            enum range { RANGE_NONE, RANGE_MMAP, RANGE_MUNMAP, RANGE_MREMAP, RANGE_PLAIN, RANGE_MLOCK, RANGE_BYTE };

            /* what a call does to the trace's processes and handles */
            enum effect { EFFECT_NONE, EFFECT_FORK, EFFECT_EXIT, EFFECT_NEW_HANDLE };

            static const struct opdesc {
            	const char *name;        /* as batches and traces spell it */
            	int nargs;               /* argument tokens after the name */
            	unsigned char kind[6];   /* each token's enum argkind */
            	unsigned char addr;      /* the address's index in cmd.a[] (numeric arguments only, in order) */
            	unsigned char range;     /* enum range */
            	unsigned char effect;    /* enum effect */
            } opdesc[OP_COUNT] = {

            """);
        foreach (var spec in CallTable.All)
        {
            var wire = spec.Args.Where(a => a.Kind != ArgKind.Constant).ToList();
            string kinds = string.Join(", ", wire.Select(a => a.Kind switch
            {
                ArgKind.Handle => "AK_HANDLE",
                ArgKind.Name => "AK_NAME",
                _ => "AK_NUM",
            }));
            sb.Append($"\t[{spec.Op}] = {{\"{spec.Name}\", {wire.Count}, {{{(kinds.Length == 0 ? "0" : kinds)}}}, {spec.AddressSlot}, ")
              .Append($"RANGE_{Upper(spec.Range.ToString())}, EFFECT_{Upper(spec.Effect.ToString())}}},\n");
        }
        sb.Append("};\n\n#endif /* ANONVMA_CALLS_H */\n");
        return sb.ToString();
    }

    /// <summary>NewHandle → NEW_HANDLE.</summary>
    static string Upper(string pascal) =>
        string.Concat(pascal.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();
}
