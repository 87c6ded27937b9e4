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

    /// <summary>
    /// Test hook (unset in normal use): with <c>REPRO_TEST_PAUSE_FOLDER_WRITES=FILE</c>, every <see cref="WriteFolder"/> stops
    /// when its temporary folder is complete and before the rename, writes the temporary's path to FILE and waits until
    /// FILE is deleted. A test kills the process there (a write interrupted mid-way, every time), or deletes FILE to let
    /// it go on.
    /// </summary>
    public const string PauseVariable = "REPRO_TEST_PAUSE_FOLDER_WRITES";

    /// <summary>
    /// Test hook (unset in normal use): with <c>REPRO_TEST_DISK_BYTES=N</c>, a <see cref="WriteFolder"/> fails as on a full
    /// disk (IOException "No space left on device", before its rename) once the folders this process wrote would exceed N bytes.
    /// </summary>
    public const string CapacityVariable = "REPRO_TEST_DISK_BYTES";

    private static long _folderBytes;

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
            TestHooksBeforeRename(tmp);
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

    /// <summary>
    /// Fills a fresh sibling temp folder with `fill`, then renames it to `folder` unless `folder` exists by then (another
    /// writer got there first): that folder is left as it is, the temporary is removed, and the result is false.
    /// </summary>
    public static bool TryCreateFolder(string folder, Action<string> fill)
    {
        var full = Path.GetFullPath(folder.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var parent = Path.GetDirectoryName(full)!;
        var tmp = Path.Combine(parent, $".{Path.GetFileName(full)}{TempMarker}{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(tmp);
            fill(tmp);
            TestHooksBeforeRename(tmp);
            if (Directory.Exists(full)) return false;
            try { Directory.Move(tmp, full); }
            catch (IOException) when (Directory.Exists(full)) { return false; }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReproException.ForFile(full, $"could not write folder: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(tmp)) TryDeleteFolder(tmp);
        }
    }

    /// <summary>The <see cref="CapacityVariable"/> and <see cref="PauseVariable"/> hooks, between a folder's fill and its rename.</summary>
    private static void TestHooksBeforeRename(string tmp)
    {
        if (long.TryParse(Environment.GetEnvironmentVariable(CapacityVariable), out var capacity))
        {
            long size = new DirectoryInfo(tmp).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
            if (Interlocked.Add(ref _folderBytes, size) > capacity) throw new IOException("No space left on device");
        }
        if (Environment.GetEnvironmentVariable(PauseVariable) is not { Length: > 0 } signal) return;
        File.WriteAllText(signal + ".writing", tmp);
        File.Move(signal + ".writing", signal, overwrite: true);                                // the test reads the whole path or nothing
        while (File.Exists(signal)) Thread.Sleep(5);
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
