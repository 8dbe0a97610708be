using System.Text;

namespace AnonVma.Campaign;

/// <summary>
/// Writes a whole file or nothing: the text goes to a temporary file beside it, is flushed to disk, and is renamed
/// over the target, so a reader (or a resumed campaign after kill -9) sees the old content or the new, never half.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, string text) => File.Move(WriteTemporary(path, text), path, overwrite: true);

    /// <summary>Writes the file only if it does not exist yet; returns whether it wrote. Never replaces a file.</summary>
    public static bool WriteNew(string path, string text)
    {
        if (File.Exists(path)) return false;
        string tmp = WriteTemporary(path, text);
        try { File.Move(tmp, path, overwrite: false); return true; }
        catch (IOException) when (File.Exists(path)) { File.Delete(tmp); return false; }
    }

    /// <summary>The text in a flushed temporary file beside `path`; returns its name.</summary>
    static string WriteTemporary(string path, string text)
    {
        string tmp = $"{path}.tmp-{Environment.ProcessId}-{Environment.CurrentManagedThreadId}";
        using var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None);
        fs.Write(Encoding.UTF8.GetBytes(text));
        fs.Flush(flushToDisk: true);
        return tmp;
    }
}
