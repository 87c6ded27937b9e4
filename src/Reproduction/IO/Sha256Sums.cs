using System.Security.Cryptography;

namespace Reproduction.IO;

/// <summary>
/// A `sha256sum`-style manifest ("HEX␠␠relative/path" per line, '*' binary marker allowed) and checks against it.
/// Every failure is a <see cref="ReproException"/> naming the file.
/// </summary>
public sealed record Sha256Sums(string ManifestPath, IReadOnlyDictionary<string, string> Entries)
{
    public string Directory => Path.GetDirectoryName(Path.GetFullPath(ManifestPath))!;

    public static Sha256Sums Load(string manifestPath)
    {
        if (!File.Exists(manifestPath)) throw ReproException.ForFile(manifestPath, "checksum manifest is missing");
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        int lineNo = 0;
        foreach (var line in File.ReadAllLines(manifestPath))
        {
            lineNo++;
            if (line.Length == 0) continue;
            int sep = line.IndexOf(' ');
            if (sep != 64 || line.Length < 67 || !IsHex(line.AsSpan(0, 64)) || line[65] is not (' ' or '*'))
                throw ReproException.ForFile(manifestPath, $"line {lineNo}: expected '<64 hex digits>  <path>'");
            entries[line[66..]] = line[..64].ToLowerInvariant();
        }
        return new Sha256Sums(manifestPath, entries);
    }

    /// <summary>Checks one listed file (path relative to the manifest's folder) and returns its full path.</summary>
    public string Verify(string relativePath)
    {
        if (!Entries.TryGetValue(relativePath, out var expected))
            throw ReproException.ForFile(ManifestPath, $"'{relativePath}' is not listed");
        var full = Path.Combine(Directory, relativePath);
        if (!File.Exists(full)) throw ReproException.ForFile(full, "listed in SHA256SUMS but missing");
        var actual = Of(full);
        if (actual != expected)
            throw ReproException.ForFile(full, $"sha256 mismatch: expected {expected}, got {actual} (the file was modified or corrupted)");
        return full;
    }

    /// <summary>Checks every listed file.</summary>
    public void VerifyAll()
    {
        foreach (var rel in Entries.Keys) Verify(rel);
    }

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    public static string Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        foreach (var c in s) if (!char.IsAsciiHexDigit(c)) return false;
        return true;
    }
}
