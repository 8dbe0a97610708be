using AnonVma.Traces;

namespace AnonVma.Properties.Traces;

/// <summary>Malformed trace files get one precise error: file:line:col, what was expected and what was found.</summary>
public class SyntaxErrorTests
{
    /// <summary>Lines 1 to 3 of a good file; the line under test is line 4.</summary>
    const string Head = "anonvma-trace 1\ntrace t\narena 0x200000000000 0x10000\n";

    static string Error(string text) => Assert.Throws<TraceSyntaxException>(() => TraceText.Parse(text, "bad.trace")).Message;

    [Theory]
    [InlineData("p0: mumap(0x200000000000, 0x1000)",
        "bad.trace:4:5: expected a call (mmap, munmap, mremap, mprotect, mlock, mlock2, munlock, mlockall, munlockall, madvise, prctl, read, write, store, fork, exit, memfd_create, file, setcreds), found 'mumap'")]
    [InlineData("p0: munmap(0x200000000000)", "bad.trace:4:26: expected ',' after the address (munmap takes 2 arguments), found ')'")]
    [InlineData("p0: munmap(0x200000000000, 0x1000, 0)", "bad.trace:4:34: expected ')' after the length (munmap takes 2 arguments), found ','")]
    [InlineData("p0: munmap(0x200000000000 0x1000)", "bad.trace:4:27: expected ',' after the address, found '0x1000'")]
    [InlineData("p0: fork(1)", "bad.trace:4:10: expected ')' (fork takes no arguments), found '1'")]
    [InlineData("p0: munmap(0x2000g0000000, 0x1000)", "bad.trace:4:12: expected a number for the address, found '0x2000g0000000'")]
    [InlineData("p0: munmap(0x10000000000000000, 0x1000)", "bad.trace:4:12: expected a number below 2^64 for the address, found '0x10000000000000000'")]
    [InlineData("p0: mprotect(0x200000000000, 0x1000, PROT_READ|0x100000000)", "bad.trace:4:48: expected a number below 2^32 for prot, found '0x100000000'")]
    [InlineData("p0: mmap(0x200000000000, 0x1000, PROT_READ|MAP_FIXED, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0)", "bad.trace:4:44: expected a PROT_ name or a number for prot, found 'MAP_FIXED'")]
    [InlineData("p0: madvise(0x200000000000, 0x1000, MADV_DONTFORK|MADV_DOFORK)", "bad.trace:4:50: expected ')' after the advice (madvise takes 3 arguments), found '|'")]
    [InlineData("p0: mmap(0x200000000000, 0x1000, PROT_READ, MAP_SHARED|MAP_FIXED, hx, 0)", "bad.trace:4:67: expected a handle (h0, h1…) or -1 for the fd, found 'hx'")]
    [InlineData("p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"heap)", "bad.trace:4:75: expected '\"' to end the string opened at column 69, found end of line")]
    [InlineData("p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"a\\qb\")", "bad.trace:4:71: expected an escape \\\\, \\\", \\n, \\t or \\xNN, found '\\q'")]
    [InlineData("p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"a\\x4\")", "bad.trace:4:73: expected two hex digits after \\x, found '4\"'")]
    [InlineData("p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"caf\u00e9\")", "bad.trace:4:73: expected printable ASCII or an escape in the string, found U+00E9 (write bytes as \\xNN)")]
    [InlineData("p0: store(0x200000000000, 0x100)", "bad.trace:4:27: expected a number below 2^8 for the byte, found '0x100'")]
    [InlineData("p0: prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, (char *)0)", "bad.trace:4:77: expected 1 (the bad pointer) or an arena address in (char *)ADDRESS, found 0 (write NULL)")]
    [InlineData("p0: prctl(PR_SET_VMA_ANON_NAME, 0x200000000000, 0x1000, \"x\")", "bad.trace:4:11: expected PR_SET_VMA as the option, found 'PR_SET_VMA_ANON_NAME'")]
    [InlineData("p0: setcreds(0x10000, 2)", "bad.trace:4:23: expected 0 or 1 for CAP_IPC_LOCK, found '2'")]
    [InlineData("p0: munmap(0x200000000000, 0x1000) = -einval", "bad.trace:4:38: expected a result like 0, 0x200000000000, -EINVAL, SIGSEGV, p1, h0, ok or ESCAPED, found '-einval'")]
    [InlineData("p0: munmap(0x200000000000, 0x1000) = 0 0", "bad.trace:4:40: expected the end of the line after the result, found '0'")]
    [InlineData("p0: munmap(0x200000000000, 0x1000) 0", "bad.trace:4:36: expected ' = <result>' or the end of the line after the call, found '0'")]
    [InlineData("p8: fork()", "bad.trace:4:1: expected a process p0 to p7, found 'p8'")]
    [InlineData("p0 fork()", "bad.trace:4:4: expected ':' after the process, found 'fork'")]
    [InlineData("| 200000000000-200000001000 rw-p 00000000 00:00 0 ", "bad.trace:4:1: expected a 'maps pN:' line before the first '| ' line of its block, found '|'")]
    [InlineData("maps p0:", "bad.trace:4:1: expected a call before its maps block, found 'maps'")]
    [InlineData("arena 0x200000000000 0x10000", "bad.trace:4:1: expected one 'arena' line (the first is on line 3), found 'arena'")]
    [InlineData("trace u", "bad.trace:4:1: expected one 'trace' line (the first is on line 2), found 'trace'")]
    [InlineData("anonvma-trace 1", "bad.trace:4:1: expected one version line per file, found 'anonvma'")]
    [InlineData("munmap(0x200000000000, 0x1000)", "bad.trace:4:1: expected a call like 'p0: munmap(...)', 'trace', 'arena', a maps block line or a '#' comment, found 'munmap'")]
    public void Call_and_block_errors(string line4, string message) => Assert.Equal(message, Error(Head + line4 + "\n"));

    [Theory]
    [InlineData("", "bad.trace:1:1: expected the version line 'anonvma-trace 1', found end of file")]
    [InlineData("\n# seed: 1\ntrace t\n", "bad.trace:2:1: expected the version line 'anonvma-trace 1' first, found '#'")]
    [InlineData("anonvma-trace 2\ntrace t\n", "bad.trace:1:15: expected version 1, found version 2 (this reader knows 'anonvma-trace 1' only)")]
    [InlineData("anonvma-trace 1\n# seed: 1\n", "bad.trace:3:1: expected 'trace <id>', found end of file")]
    [InlineData("anonvma-trace 1\ntrace t\np0: fork()", "bad.trace:3:1: expected 'arena <base> <size>' before the first call, found 'p0'")]
    [InlineData("anonvma-trace 1\narena 0x200000000000 0x1000\n", "bad.trace:2:1: expected 'trace <id>' before 'arena', found 'arena'")]
    [InlineData("anonvma-trace 1\ntrace t\n", "bad.trace:3:1: expected 'arena <base> <size>', found end of file")]
    [InlineData("anonvma-trace 1\ntrace t\narena 0x200000000010 0x1000\n", "bad.trace:3:7: expected a page-aligned arena base, found 0x200000000010")]
    [InlineData("anonvma-trace 1\ntrace t\narena 0x200000000000 0\n", "bad.trace:3:22: expected a non-zero page-aligned arena size, found 0x0")]
    [InlineData("anonvma-trace 1\ntrace t # x\n", "bad.trace:2:9: expected the end of the line after the trace id, found '#'")]
    [InlineData("anonvma-trace 1\n# seed: 1\n# seed: 2\ntrace t\n", "bad.trace:3:1: expected each header key once, found a second 'seed'")]
    [InlineData("anonvma-trace 1\ntrace t\narena 0x200000000000 0x1000\np0: fork()\n  maps p0:\n  gone p0\n",
        "bad.trace:6:8: expected one view of p0 per call, found a second (the first is on line 5)")]
    [InlineData("anonvma-trace 1\ntrace t\narena 0x200000000000 0x1000\np0: exit()\n  gone p0\n  | x\n",
        "bad.trace:6:3: expected a 'maps pN:' line before the first '| ' line of its block, found '|'")]
    [InlineData("anonvma-trace 1\ntrace t\narena 0x200000000000 0x1000\np0: fork()\n  maps p0:\n  |x\n", "bad.trace:6:4: expected ' ' after '|', found 'x'")]
    public void Document_errors(string text, string message) => Assert.Equal(message, Error(text));

    [Fact]
    public void Load_names_the_path_and_line_endings_do_not_matter()
    {
        string path = Path.Combine(Path.GetTempPath(), $"anonvma-bad-{Guid.NewGuid():N}.trace");
        try
        {
            File.WriteAllText(path, Head.Replace("\n", "\r\n") + "p0: munmap(0x200000000000)\r\n");
            var e = Assert.Throws<TraceSyntaxException>(() => TraceText.Load(path));
            Assert.Equal((path, 4, 26), (e.File, e.Line, e.Column));
            Assert.Equal($"{path}:4:26: expected ',' after the address (munmap takes 2 arguments), found ')'", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
