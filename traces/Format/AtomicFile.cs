using System.Runtime.InteropServices;
using System.Text;

namespace AnonVma.Traces;

/// <summary>
/// Writes a whole file or nothing, durably: the text goes to a temporary file beside the target, is flushed to disk
/// (fsync), renamed over the target, and the directory is flushed too, so a reader, a resumed campaign after kill -9
/// or a machine that loses power sees the old content or the new, never half. Trace files and campaign files share it.
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces (or creates) the file with the text, as UTF-8 without a byte order mark.</summary>
    public static void Write(string path, string text) => Write(path, text, overwrite: true);

    /// <summary>Writes the file only if it does not exist yet; returns whether it wrote. Never replaces a file.</summary>
    public static bool WriteNew(string path, string text) => !File.Exists(path) && Write(path, text, overwrite: false);

    /// <summary>The text in an fsynced temporary file beside `path` (hidden, unique to this writer), renamed over it.</summary>
    static bool Write(string path, string text, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        string tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(new UTF8Encoding(false).GetBytes(text));
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            return false; // another writer made it first
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
        SyncDirectory(path);
        return true;
    }

    /// <summary>fsync of the directory, so the rename itself survives a crash (rename(2) alone does not promise that).</summary>
    static void SyncDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return; // NTFS journals the rename; a directory cannot be opened for flushing
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        int fd = Open(dir, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"{dir}: cannot open the directory to flush it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"{dir}: fsync of the directory failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally { _ = Close(fd); }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    static extern int Close(int fd);
}
