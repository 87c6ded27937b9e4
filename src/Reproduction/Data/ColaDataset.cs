using Reproduction.IO;

namespace Reproduction.Data;

/// <summary>
/// The CoLA splits the study uses. By default they come from the copy shipped with the program
/// (`assets/cola/`, copied next to the binary by the build: CopyToOutputDirectory, not embedded), whose
/// SHA256SUMS is checked on every load; a mismatch is a <see cref="ReproException"/>.
/// </summary>
public static class ColaDataset
{
    public const string ManifestName = "SHA256SUMS";

    /// <summary>`assets/cola` beside the running binary.</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "assets", "cola");

    /// <summary>
    /// One split, strictly parsed. <paramref name="releaseDir"/> null: the shipped copy. Otherwise a release folder
    /// (holding `raw/`, or `cola_public/raw/`); its SHA256SUMS, if it has one, is checked too.
    /// </summary>
    public static IReadOnlyList<ColaExample> LoadDefault(ColaSplit split, string? releaseDir = null, bool lenient = false, Action<string>? warn = null)
    {
        var dir = releaseDir ?? ShippedDirectory;
        if (Directory.Exists(Path.Combine(dir, "cola_public"))) dir = Path.Combine(dir, "cola_public");
        var relative = "raw/" + ColaSplitInfo.For(split).FileName;
        var manifest = Path.Combine(dir, ManifestName);
        if (File.Exists(manifest))
            Sha256Sums.Load(manifest).Verify(relative);
        else if (releaseDir is null)
            throw ReproException.ForFile(manifest, "the shipped CoLA copy has no checksum manifest (broken build output?)");
        var result = ColaLoader.LoadFile(Path.Combine(dir, relative), lenient: lenient);
        if (result.Skipped.Count > 0) warn?.Invoke($"{result.Path}: skipped {result.Skipped.Count} malformed rows (--lenient)");
        return result.Examples;
    }

    /// <summary>The paper's train split: in_domain_train (8,551 rows).</summary>
    public static IReadOnlyList<ColaExample> PaperTrain(string? releaseDir = null, bool lenient = false, Action<string>? warn = null) =>
        LoadDefault(ColaSplitInfo.PaperTrain, releaseDir, lenient, warn);

    /// <summary>The paper's test split: in_domain_dev (527 rows).</summary>
    public static IReadOnlyList<ColaExample> PaperTest(string? releaseDir = null, bool lenient = false, Action<string>? warn = null) =>
        LoadDefault(ColaSplitInfo.PaperTest, releaseDir, lenient, warn);
}
