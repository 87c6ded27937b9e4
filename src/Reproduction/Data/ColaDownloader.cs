using Reproduction.IO;

namespace Reproduction.Data;

/// <summary>What <see cref="ColaDownloader.DownloadAsync"/> did: the verified zip, the extracted release folder
/// (holding <c>cola_public/</c>; pass it to <see cref="ColaDataset.LoadDefault"/>) and whether anything was fetched or unpacked.</summary>
public sealed record ColaDownloadResult(string ZipPath, string ReleaseDir, DownloadResult Download, bool Extracted);

/// <summary>
/// Fetches the official CoLA v1.1 zip (resumable, checked against <see cref="ColaRelease.ZipSha256"/>) into a folder and
/// unpacks it atomically to <c>{out}/cola_public_1.1/cola_public/…</c>. Running it again with everything in place
/// fetches and writes nothing. The study itself does not need this: the files it uses ship in assets/cola.
/// </summary>
public static class ColaDownloader
{
    public const string ReleaseFolderName = "cola_public_1.1";

    public static async Task<ColaDownloadResult> DownloadAsync(Uri url, string outDir, DownloadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var zip = Path.Combine(Path.GetFullPath(outDir), ColaRelease.ZipFileName);
        DownloadResult download;
        using (var downloader = new FileDownloader(options))
            download = await downloader.DownloadAsync(url, zip, ColaRelease.ZipSha256, cancellationToken);

        var release = Path.Combine(Path.GetFullPath(outDir), ReleaseFolderName);
        bool complete = ColaSplitInfo.All.All(s => File.Exists(Path.Combine(release, ColaRelease.ExtractedFolder, "raw", s.FileName)));
        bool extract = !download.AlreadyPresent || !complete;
        if (extract) ZipExtractor.Extract(zip, release, overwrite: true);
        return new ColaDownloadResult(zip, release, download, extract);
    }
}
