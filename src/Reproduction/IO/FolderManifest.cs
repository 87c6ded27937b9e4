using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reproduction.IO;

/// <summary>
/// `manifest.json`: every file of a checkpoint folder with its size and sha256, written last. A folder
/// without it is incomplete and never loaded; <see cref="Verify"/> names the first file that differs.
/// </summary>
public sealed record FolderManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("files")] IReadOnlyList<FolderManifest.Entry> Files)
{
    public const string FileName = "manifest.json";
    public const string CurrentFormat = "repro-manifest-v1";

    public sealed record Entry(
        [property: JsonPropertyName("path")] string Path,
        [property: JsonPropertyName("size")] long Size,
        [property: JsonPropertyName("sha256")] string Sha256);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Hashes every file under <paramref name="dir"/> (except the manifest) and writes the manifest atomically.</summary>
    public static FolderManifest WriteFor(string dir)
    {
        var entries = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => System.IO.Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(rel => rel != FileName)
            .Order(StringComparer.Ordinal)
            .Select(rel => new Entry(rel, new FileInfo(System.IO.Path.Combine(dir, rel)).Length, Sha256Of(System.IO.Path.Combine(dir, rel))))
            .ToList();
        var manifest = new FolderManifest(CurrentFormat, entries);
        AtomicFile.WriteAllText(System.IO.Path.Combine(dir, FileName), JsonSerializer.Serialize(manifest, Indented));
        return manifest;
    }

    public static bool IsComplete(string dir) => File.Exists(System.IO.Path.Combine(dir, FileName));

    /// <summary>Checks sizes and hashes; throws a <see cref="ReproException"/> naming the file that is missing or differs.</summary>
    public static FolderManifest Verify(string dir)
    {
        var path = System.IO.Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw ReproException.ForFile(dir, $"incomplete checkpoint: no {FileName} (it is written last)");
        FolderManifest? manifest;
        try { manifest = JsonSerializer.Deserialize<FolderManifest>(File.ReadAllText(path)); }
        catch (JsonException e) { throw ReproException.ForFile(path, $"invalid manifest JSON: {e.Message}"); }
        if (manifest?.Files is null || manifest.Format != CurrentFormat) throw ReproException.ForFile(path, "not a repro manifest");
        foreach (var e in manifest.Files)
        {
            var f = System.IO.Path.Combine(dir, e.Path);
            if (!File.Exists(f)) throw ReproException.ForFile(f, "listed in the manifest but missing");
            long size = new FileInfo(f).Length;
            if (size != e.Size) throw ReproException.ForFile(f, $"size {size} differs from the manifest's {e.Size} (truncated or modified)");
            if (Sha256Of(f) != e.Sha256) throw ReproException.ForFile(f, "sha256 differs from the manifest (corrupted or modified)");
        }
        return manifest;
    }

    public static string Sha256Of(string file)
    {
        using var s = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
