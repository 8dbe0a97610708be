using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Kernel;
using AnonVma.Model.State;
using AnonVma.Model.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AnonVma.Properties.Pure;

/// <summary>FsCheck properties of the model's pure parts: name validation, maps text, range arithmetic, the VMA list, profiles.</summary>
public class PureProperties
{
    const ulong B = 0x200000000000, P = 4096;

    /// <summary>The reference predicate, written from kernel/sys.c independently of the model: printable ASCII except \ ` $ [ ], under 80 bytes with the NUL.</summary>
    static bool ReferenceValid(string name)
    {
        int nul = name.IndexOf('\0');
        if (nul >= 0) name = name[..nul];
        return name.Length <= 79 && name.All(c => c >= ' ' && c <= '~' && "\\`$[]".IndexOf(c) < 0);
    }

    /// <summary>Names from a mix of valid characters, the forbidden five and control or non-ASCII ones, 0 to 90 long.</summary>
    static Arbitrary<string> Names() =>
        Gen.Frequency(
                (8, Gen.Choose(0x20, 0x7e).Select(i => (char)i)),
                (1, Gen.Elements('\\', '`', '$', '[', ']')),
                (1, Gen.Elements('\t', '\n', '\0', '\u007f', '\u00e9', '\u0001')))
            .ArrayOf().Select(cs => new string(cs))
            .Where(s => s.Length <= 90).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Name_validation_matches_reference() => Prop.ForAll(Names(), name =>
    {
        var m = new LinuxModel(KernelProfile.Linux612);
        m.Apply(new MmapCall(0, B, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
        var o = m.Apply(new NameCall(0, B, P, name));
        return (o.ToString() == "0") == ReferenceValid(name);
    });

    [Property]
    public bool Long_names_at_the_limit(PositiveInt extra)
    {
        var m = new LinuxModel(KernelProfile.Linux612);
        m.Apply(new MmapCall(0, B, P, Prot.ReadWrite, Map.Private | Map.Anonymous | Map.FixedNoReplace));
        int len = 79 + (extra.Get % 3);
        return (m.Apply(new NameCall(0, B, P, new string('n', len))).ToString() == "0") == (len <= 79);
    }

    static Arbitrary<MapsLine> Lines() =>
        (from start in Gen.Choose(0, 1 << 30).Select(x => (ulong)x * P)
         from pages in Gen.Choose(1, 1 << 20)
         from perms in Gen.Elements("rw-p", "r--p", "---p", "-w-p", "rwxs", "r-xp", "rw-s")
         from off in Gen.Choose(0, 1 << 20).Select(x => (ulong)x * P)
         from maj in Gen.Choose(0, 300)
         from min in Gen.Choose(0, 300)
         from ino in Gen.Choose(0, int.MaxValue)
         from name in Gen.Elements<string?>(null, "[anon:x]", "[anon:]", "[anon_shmem:shm]", "/dev/zero (deleted)", "[anon:a b c]")
         select new MapsLine(start, start + (ulong)pages * P, perms, off, (uint)maj, (uint)min, (ulong)ino, name)).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property Maps_render_parse_render_round_trips() => Prop.ForAll(Lines(), line =>
    {
        var text = line.Render();
        var back = ProcText.ParseMaps(text);
        return back == line && back.Render() == text;
    });

    [Property(MaxTest = 100)]
    public Property Smaps_render_parse_render_round_trips() => Prop.ForAll(Lines(), Gen.Choose(0, 100000).ToArbitrary(), (line, kb) =>
    {
        var c = new SmapsCounters { Size = (line.End - line.Start) >> 10, Rss = (ulong)kb, Pss = (ulong)kb / 2, Locked = (ulong)kb / 3 };
        var block = new SmapsBlock(line, c, (uint)(kb % 2), VmFlags.Read | VmFlags.MayRead | VmFlags.Account | VmFlags.WipeOnFork);
        var text = string.Join("\n", block.RenderLines()) + "\n";
        var back = ProcText.ParseSmaps(text).Single();
        return string.Join("\n", back.RenderLines()) + "\n" == text;
    });

    [Property]
    public bool PageAlign_rounds_up_to_the_next_page(ulong x)
    {
        ulong a = Mem.PageAlign(x);
        if (x > ulong.MaxValue - (P - 1)) return a == 0; // wraps, as PAGE_ALIGN does
        return Mem.Aligned(a) && a >= x && a - x < P;
    }

    /// <summary>The chunked VMA list agrees with a plain sorted list under random inserts, removals and queries.</summary>
    [Property(MaxTest = 200)]
    public Property VmaList_matches_naive_list() => Prop.ForAll(
        Gen.Choose(0, 400).Select(x => (ulong)x).ArrayOf().ToArbitrary(), slots =>
        {
            var list = new VmaList();
            var naive = new SortedDictionary<ulong, Vma>();
            foreach (var slot in slots)
            {
                ulong start = B + slot * 2 * P;
                if (naive.Remove(start, out var old)) list.Remove(old);
                else { var v = new Vma { Start = start, End = start + P }; naive[start] = v; list.Insert(v); }
            }
            if (list.Count != naive.Count || !list.All().SequenceEqual(naive.Values)) return false;
            for (ulong q = B - P; q < B + 802 * P; q += P / 2)
            {
                var first = naive.Values.FirstOrDefault(v => v.End > q);
                var below = naive.Values.LastOrDefault(v => v.Start < q);
                if (list.FirstEndingAfter(q) != first || list.LastStartingBelow(q) != below) return false;
                if (list.Containing(q) != (first is not null && first.Start <= q ? first : null)) return false;
            }
            return true;
        });

    /// <summary>Calls the profiles do not treat differently (no faults, names, MAP_STACK or locking) give identical results and text.</summary>
    [Property(MaxTest = 200)]
    public Property Unaffected_calls_are_profile_independent() => Prop.ForAll(
        (from kind in Gen.Choose(0, 3)
         from page in Gen.Choose(0, 7)
         from pages in Gen.Choose(0, 3)
         from prot in Gen.Elements(Prot.None, Prot.Read, Prot.ReadWrite, Prot.Write | Prot.Exec)
         from adv in Gen.Elements(Madv.DontFork, Madv.DoFork, Madv.DontDump, Madv.DoDump, Madv.WipeOnFork, Madv.KeepOnFork)
         from shared in Gen.Elements(false, false, true)
         select (Call)(kind switch
         {
             0 => new MmapCall(0, B + (ulong)page * P, (ulong)pages * P, prot, (shared ? Map.Shared : Map.Private) | Map.Anonymous | Map.Fixed),
             1 => new MunmapCall(0, B + (ulong)page * P, (ulong)pages * P),
             2 => new MprotectCall(0, B + (ulong)page * P, (ulong)pages * P, prot),
             _ => new MadviseCall(0, B + (ulong)page * P, (ulong)pages * P, adv),
         })).ArrayOf().ToArbitrary(), calls =>
        {
            var a = new LinuxModel(KernelProfile.Linux612);
            var b = new LinuxModel(KernelProfile.Host618);
            foreach (var c in calls)
                if (a.Apply(c) != b.Apply(c)) return false;
            return Normalise.Inodes(Scenarios.Scenario.SmapsText(a.Processes[0])) == Normalise.Inodes(Scenarios.Scenario.SmapsText(b.Processes[0]));
        });
}
