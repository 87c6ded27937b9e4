using System.Text;

namespace Reproduction.IO;

/// <summary>
/// Writes that are never seen half-done: content goes to a temporary sibling (file or folder), is flushed,
/// then renamed over the final path (rename is atomic within a file system). On failure the temporary is
/// removed and the previous content, if any, is untouched.
/// </summary>
public static class AtomicFile
{
    /// <summary>Prefix of every temporary sibling, so stale ones from a killed process can be recognised.</summary>
    public const string TempMarker = ".tmp-";

    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw ReproException.ForFile(dir, "output folder does not exist");
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}{TempMarker}{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw ReproException.ForFile(full, $"could not write: {e.Message}", e);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    public static void WriteAllText(string path, string content)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ReproException.ForFile(dir, $"cannot create output folder: {e.Message}", e); }
        Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(content)));
    }

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// Fills a fresh sibling temp folder with `fill`, then renames it to `folder`. An existing `folder` is replaced only
    /// when `overwrite` (moved aside first, deleted after the rename); otherwise it is an error.
    /// </summary>
    public static void WriteFolder(string folder, Action<string> fill, bool overwrite)
    {
        var full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        if (Directory.Exists(full) && !overwrite) throw ReproException.ForFile(full, "output folder already exists (pass --overwrite to replace it)");
        if (File.Exists(full)) throw ReproException.ForFile(full, "output path is a file, not a folder");
        var parent = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(parent, $".{Path.GetFileName(full)}{TempMarker}{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(parent);
            Directory.CreateDirectory(tmp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReproException.ForFile(parent, $"cannot create output folder: {e.Message}", e);
        }
        try
        {
            fill(tmp);
            if (Directory.Exists(full))
            {
                var old = Path.Combine(parent, $".{Path.GetFileName(full)}{TempMarker}old-{Guid.NewGuid():N}");
                Directory.Move(full, old);
                Directory.Move(tmp, full);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(tmp, full);
            }
        }
        catch (Exception e)
        {
            if (Directory.Exists(tmp)) TryDeleteFolder(tmp);
            if (e is IOException or UnauthorizedAccessException) throw ReproException.ForFile(full, $"could not write folder: {e.Message}", e);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static void TryDeleteFolder(string path)
    {
        try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
