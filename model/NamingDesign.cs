namespace AnonVma.Model;

/// <summary>
/// How a kernel keeps a VMA's name: mainline's refcounted string, or one of the designs its review rejected
/// (docs/NAMING-DESIGNS.md), so the same traces can show what each would have broken and cost.
/// </summary>
public enum NamingDesign
{
    /// <summary>Mainline (5.17+): one copy per prctl, shared by reference on split and fork (struct anon_vma_name).</summary>
    Refcount,
    /// <summary>
    /// Android up to v7 of the series: the VMA keeps the user pointer; maps reads the string from the process's memory
    /// when it is read, shows nothing when that memory cannot be read, and nothing checks the characters.
    /// </summary>
    UserPointer,
    /// <summary>The string copied into every VMA: a copy on every split, fork and prctl, compared by content.</summary>
    Strdup,
    /// <summary>
    /// The review's numeric cookie: the kernel keeps a number and maps shows it; user space maps names to numbers
    /// (here, as Michal Hocko suggested, one number per distinct name system-wide, like the inode of a file so named).
    /// </summary>
    Cookie,
}

/// <summary>The designs' spellings on command lines and in trace headers.</summary>
public static class NamingDesigns
{
    /// <summary>"refcount", "user-pointer", "strdup", "cookie".</summary>
    public static string Key(this NamingDesign d) => d switch
    {
        NamingDesign.Refcount => "refcount",
        NamingDesign.UserPointer => "user-pointer",
        NamingDesign.Strdup => "strdup",
        NamingDesign.Cookie => "cookie",
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    /// <summary>The design spelt <paramref name="key"/>, or null.</summary>
    public static NamingDesign? ByKey(string key) => Enum.GetValues<NamingDesign>().Select(d => (NamingDesign?)d).FirstOrDefault(d => d!.Value.Key() == key);
}
