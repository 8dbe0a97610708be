using AnonVma.Model;
using AnonVma.Model.Abi;
using AnonVma.Model.Checks;
using AnonVma.Model.Kernel;
using AnonVma.Properties.Scenarios;
using static AnonVma.Properties.Scenarios.Scenario;

namespace AnonVma.Properties.Designs;

/// <summary>
/// The review thread's arguments as small named scenarios, one story per design (docs/NAMING-DESIGNS.md). They run on
/// the model only: no real kernel keeps names these ways (the strdup kernel's fork cost is NameCopyKernelTests').
/// </summary>
public class NamingDesignScenarios
{
    static Scenario On(NamingDesign d) => new(KernelProfile.Linux612.WithNaming(d)) { Checked = d == NamingDesign.Refcount };

    /// <summary>What maps shows between "[anon:" and "]" for the VMA at addr.</summary>
    static string? Shown(Scenario s, ulong addr, int pid = 0) => AnonVma.Model.Text.ProcView.Line(s.Proc(pid).Vmas.Containing(addr)!, s.Proc(pid)).Name;

    [Fact] // Kees Cook's objection: the kernel reads whatever the pointer reaches, when maps is read, unchecked
    public void User_pointer_names_change_with_the_buffer_and_carry_any_byte()
    {
        var s = On(NamingDesign.UserPointer);
        s.Mmap(B, 2 * P, RW);
        s.Store(B, 'a');
        s.NameFrom(B + P, P, B).Is("0");
        Assert.Equal("[anon:a]", Shown(s, B + P));
        s.Store(B, 'b');
        Assert.Equal("[anon:b]", Shown(s, B + P)); // the name followed the buffer
        s.Store(B + 1, ']');
        s.Store(B + 2, '\n');
        Assert.Equal("[anon:b]\n]", Shown(s, B + P)); // maps now has a forged line break and bracket
        Assert.NotNull(NameProperties.NameShownIsNameSet(s.Model));
        s.Mprotect(B, P, NONE).Is("0");
        Assert.Equal("[anon:<fault>]", Shown(s, B + P)); // Colin Cross's seq_print_vma_name on a failed pin
    }

    [Fact] // equal strings at two addresses are two names to a kernel that compares pointers
    public void User_pointer_names_equal_as_text_do_not_merge()
    {
        // Two buffers holding "x", naming two neighbouring pages.
        static Scenario TwoBuffers(NamingDesign d)
        {
            var s = On(d);
            s.Mmap(B, 4 * P, RW);
            s.Store(B, 'x');
            s.Store(B + 0x10, 'x');
            s.NameFrom(B + 2 * P, P, B).Is("0");
            s.NameFrom(B + 3 * P, P, B + 0x10).Is("0");
            return s;
        }
        var s = TwoBuffers(NamingDesign.UserPointer);
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 3, "rw-p", "[anon:x]"), L(3, 4, "rw-p", "[anon:x]")), s.Maps());
        Assert.NotNull(NameProperties.EqualNamesMerge(s.Model));
        Assert.Equal(Lines(L(0, 2, "rw-p"), L(2, 4, "rw-p", "[anon:x]")), TwoBuffers(NamingDesign.Refcount).Maps());
    }

    [Fact] // the same story under mainline: the string is copied at the prctl, so the buffer is free again
    public void Mainline_names_do_not_follow_the_buffer()
    {
        var s = On(NamingDesign.Refcount);
        s.Mmap(B, 2 * P, RW);
        s.Store(B, 'a');
        s.NameFrom(B + P, P, B).Is("0");
        s.Store(B, 'b');
        s.Munmap(B, P).Is("0");
        Assert.Equal("[anon:a]", Shown(s, B + P));
        Assert.Null(NameProperties.NameShownIsNameSet(s.Model));
    }

    [Fact] // Michal Hocko's cookie: a number per name, the same in every process, meaningless in maps without user space
    public void Cookie_names_show_numbers_that_merge_like_names()
    {
        var s = On(NamingDesign.Cookie);
        s.Mmap(B, 3 * P, RW);
        s.Name(B, P, "heap").Is("0");
        s.Name(B + P, P, "stack").Is("0");
        s.Name(B + 2 * P, P, "heap").Is("0");
        Assert.Equal(Lines(L(0, 1, "rw-p", "[anon:1]"), L(1, 2, "rw-p", "[anon:2]"), L(2, 3, "rw-p", "[anon:1]")), s.Maps());
        s.Name(B + P, P, "heap").Is("0");
        Assert.Equal(L(0, 3, "rw-p", "[anon:1]"), s.Maps());
        s.Name(B, P, "a[b]").Is("0"); // nothing for the kernel to check
        Assert.NotNull(NameProperties.NameShownIsNameSet(s.Model));
    }

    [Fact] // seed 000's cost: strdup copies each named VMA's string at fork; mainline takes a reference
    public void Strdup_copies_every_named_VMA_at_fork_and_mainline_copies_none()
    {
        foreach (var d in Enum.GetValues<NamingDesign>())
        {
            var s = On(d);
            s.Mmap(B, 3 * P, RW);
            s.Name(B, P, "a").Is("0");
            s.Name(B + P, P, "b").Is("0");
            s.Name(B + 2 * P, P, "c").Is("0");
            var before = s.Model.NameCounts.Allocations[(int)NameSite.Fork];
            s.Fork().Is("p1");
            long copies = s.Model.NameCounts.Allocations[(int)NameSite.Fork] - before;
            Assert.Equal(d == NamingDesign.Strdup ? 3 : 0, copies);
            Assert.Equal(s.Maps(0), s.Maps(1));
            Assert.Equal(d == NamingDesign.Strdup, NameProperties.ForkCopiesNoName(s.Model) is not null);
        }
    }
}
