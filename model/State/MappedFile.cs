namespace AnonVma.Model.State;

/// <summary>What kind of file backs a VMA; it decides naming (EBADF) and the maps path.</summary>
public enum FileKind
{
    /// <summary>The unlinked shmem file shmem_zero_setup makes for MAP_SHARED|MAP_ANONYMOUS.</summary>
    DevZero,
    /// <summary>memfd_create: unlinked shmem, so anonymous shmem for naming.</summary>
    Memfd,
    /// <summary>A linked regular file (the executor makes it on tmpfs, so it faults like shmem): naming gives EBADF.</summary>
    Regular,
}

/// <summary>A file object with its page cache; pages are shared by every process that maps them.</summary>
public sealed class MappedFile(long id, FileKind kind, ulong size, string path)
{
    public long Id { get; } = id;
    public FileKind Kind { get; } = kind;
    /// <summary>i_size: a touch at or beyond it raises SIGBUS.</summary>
    public ulong Size { get; } = size;
    /// <summary>The path maps shows for an unnamed VMA, e.g. "/dev/zero (deleted)".</summary>
    public string Path { get; } = path;
    /// <summary>vm_ops == shmem_anon_vm_ops: shmem with no links.</summary>
    public bool IsAnonShmem => Kind != FileKind.Regular;
    /// <summary>Page cache, by page index.</summary>
    public Dictionary<ulong, Folio> Pages { get; } = new();
}
