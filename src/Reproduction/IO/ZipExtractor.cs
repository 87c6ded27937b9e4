using System.IO.Compression;

namespace Reproduction.IO;

/// <summary>
/// Extracts a zip archive all-or-nothing: every entry is checked first (no absolute paths, drive letters, or <c>..</c>
/// segments: nothing may land outside the destination), then the archive is extracted into a temporary sibling folder
/// that is renamed onto the destination only when complete. On any error nothing is left at the destination and the
/// temporary folder is removed.
/// </summary>
public static class ZipExtractor
{
    /// <summary>
    /// Extracts <paramref name="zipPath"/> into <paramref name="destinationDir"/>, which must not exist unless
    /// <paramref name="overwrite"/> is set (then the old folder is replaced only after the new one is complete).
    /// Returns the relative paths of the extracted files.
    /// </summary>
    public static IReadOnlyList<string> Extract(string zipPath, string destinationDir, bool overwrite = false)
    {
        destinationDir = Path.GetFullPath(destinationDir);
        if (Directory.Exists(destinationDir) && !overwrite)
            throw ReproException.ForFile(destinationDir, "already exists (pass overwrite to replace it)");
        if (!File.Exists(zipPath)) throw ReproException.ForFile(zipPath, "no such file");

        var parent = Path.GetDirectoryName(destinationDir)!;
        Directory.CreateDirectory(parent);
        var temp = Path.Combine(parent, $".{Path.GetFileName(destinationDir)}.extract-{Guid.NewGuid():N}");
        var files = new List<string>();
        try
        {
            using (var archive = OpenArchive(zipPath))
            {
                var plan = archive.Entries.Select(entry => (Entry: entry, Relative: SafeRelativePath(zipPath, entry.FullName))).ToList();
                Directory.CreateDirectory(temp);
                var root = Path.GetFullPath(temp) + Path.DirectorySeparatorChar;
                foreach (var (entry, relative) in plan)
                {
                    var target = Path.GetFullPath(Path.Combine(temp, relative));
                    if (!target.StartsWith(root, StringComparison.Ordinal))   // belt and braces after SafeRelativePath
                        throw ReproException.ForFile(zipPath, $"entry '{entry.FullName}' would be written outside the destination");
                    if (entry.FullName.EndsWith('/'))
                    {
                        Directory.CreateDirectory(target);
                        continue;
                    }
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    entry.ExtractToFile(target, overwrite: false);
                    files.Add(relative.Replace(Path.DirectorySeparatorChar, '/'));
                }
            }

            if (Directory.Exists(destinationDir))
            {
                var old = Path.Combine(parent, $".{Path.GetFileName(destinationDir)}.old-{Guid.NewGuid():N}");
                Directory.Move(destinationDir, old);
                Directory.Move(temp, destinationDir);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temp, destinationDir);
            }
            return files;
        }
        catch (Exception e) when (e is not ReproException)
        {
            throw ReproException.ForFile(zipPath, $"extraction failed: {e.Message}", e);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static ZipArchive OpenArchive(string zipPath)
    {
        try
        {
            return ZipFile.OpenRead(zipPath);
        }
        catch (InvalidDataException e)
        {
            throw ReproException.ForFile(zipPath, $"not a valid zip archive ({e.Message})", e);
        }
    }

    /// <summary>The entry's path relative to the destination, or a <see cref="ReproException"/> when it could escape it.</summary>
    private static string SafeRelativePath(string zipPath, string entryName)
    {
        var name = entryName.Replace('\\', '/');
        var segments = name.Split('/');
        bool bad = name.Length == 0
                   || name.StartsWith('/')
                   || (name.Length >= 2 && name[1] == ':')               // C:…
                   || segments.Any(s => s == "..")
                   || name.Contains('\0');
        if (bad) throw ReproException.ForFile(zipPath, $"refusing unsafe entry '{entryName}' (absolute path or '..' would escape the destination)");
        return Path.Combine(segments.Where(s => s.Length > 0 && s != ".").ToArray());
    }
}
