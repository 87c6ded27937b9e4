namespace Reproduction.IO;

/// <summary>
/// Builds a folder (a checkpoint) under a temporary name beside its final path and renames it into place
/// only when complete, so a reader never sees a half-written folder. An existing folder at the final path
/// is replaced only after the new one is complete.
/// </summary>
public static class AtomicDirectory
{
    public const string TempPrefix = ".tmp-";

    public static void Create(string finalPath, Action<string> fill)
    {
        var full = Path.GetFullPath(finalPath);
        var parent = Path.GetDirectoryName(full)!;
        try { Directory.CreateDirectory(parent); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReproException.ForFile(parent, $"cannot create output folder: {e.Message}", e);
        }
        var tmp = Path.Combine(parent, $"{TempPrefix}{Path.GetFileName(full)}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(tmp);
            fill(tmp);
            if (Directory.Exists(full))
            {
                var old = Path.Combine(parent, $"{TempPrefix}old-{Path.GetFileName(full)}-{Guid.NewGuid():N}");
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
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (e is IOException or UnauthorizedAccessException)
                throw ReproException.ForFile(full, $"could not write folder: {e.Message}", e);
            throw;
        }
    }

    /// <summary>Removes leftovers of interrupted writes (folders named with <see cref="TempPrefix"/>) under <paramref name="parent"/>.</summary>
    public static int CleanStale(string parent)
    {
        if (!Directory.Exists(parent)) return 0;
        int n = 0;
        foreach (var d in Directory.EnumerateDirectories(parent, TempPrefix + "*"))
        {
            Directory.Delete(d, recursive: true);
            n++;
        }
        return n;
    }
}
