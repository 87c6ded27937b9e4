namespace Reproduction.IO;

/// <summary>
/// Where a pretrained model folder comes from, as a preset names it: a folder path, `env:VAR` (an environment variable
/// holding a folder), or `hub:OWNER/NAME@REVISION` (downloaded once into a local cache with the Hugging Face hub's
/// `resolve` URLs, resumable, checksummed where the project records a sha256). Alternatives are separated by `|` and
/// tried in order: `env:REPRO_QWEN3_0_6B|hub:Qwen/Qwen3-0.6B@c1899de…`. The hub endpoint is `HF_ENDPOINT` if set (as
/// in huggingface_hub), and the cache is <see cref="CacheHome.Root"/>.
/// </summary>
public static class HubModelSource
{
    /// <summary>The files a Qwen3 model folder needs (the tokenizer ones let the folder stand alone).</summary>
    public static readonly string[] ModelFiles = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"];

    /// <summary>sha256 of files whose content this project has recorded (shared/paper/implementation-notes.md §A.3).</summary>
    public static readonly IReadOnlyDictionary<string, string> KnownSha256 = new Dictionary<string, string>
    {
        ["Qwen/Qwen3-0.6B@c1899de289a04d12100db370d81485cdf75e47ca/model.safetensors"] = "f47f71177f32bcd101b7573ec9171e6a57f4f4d31148d38e382306f42996874b",
    };

    public static string Endpoint => Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e.TrimEnd('/') : HuggingFaceHub.DefaultEndpoint;

    /// <summary>The folder the spec names, downloading it if it is a hub reference not yet cached; throws naming every alternative tried.</summary>
    public static string Resolve(string spec, Action<string>? log = null, DownloadOptions? options = null)
    {
        var tried = new List<string>();
        foreach (var alternative in spec.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (alternative.StartsWith("env:", StringComparison.Ordinal))
            {
                var name = alternative[4..];
                var value = Environment.GetEnvironmentVariable(name);
                if (!string.IsNullOrEmpty(value) && Directory.Exists(value)) return value;
                tried.Add(string.IsNullOrEmpty(value) ? $"{name} is not set" : $"{name}={value} is not a folder");
            }
            else if (alternative.StartsWith("hub:", StringComparison.Ordinal))
            {
                try { return Download(alternative[4..], log, options); }
                catch (ReproException e) { tried.Add($"{alternative}: {e.Message}"); }
            }
            else if (Directory.Exists(alternative)) return alternative;
            else tried.Add($"{alternative} is not a folder");
        }
        throw new ReproException($"model '{spec}' not found: {string.Join("; ", tried)}");
    }

    /// <summary>Downloads OWNER/NAME@REVISION's model files into the cache (once) and returns the folder.</summary>
    public static string Download(string repoAtRevision, Action<string>? log = null, DownloadOptions? options = null)
    {
        var at = repoAtRevision.IndexOf('@');
        var repo = at < 0 ? repoAtRevision : repoAtRevision[..at];
        var revision = at < 0 ? "main" : repoAtRevision[(at + 1)..];
        if (repo.Split('/').Length != 2 || repo.Contains("..", StringComparison.Ordinal) || revision.Contains('/') || revision.Contains("..", StringComparison.Ordinal))
            throw new ReproException($"hub:{repoAtRevision}: expected OWNER/NAME@REVISION");
        var folder = Path.Combine(CacheHome.Root, "hub", repo.Replace('/', Path.DirectorySeparatorChar), revision);
        Directory.CreateDirectory(folder);
        // Model weights are large: the whole-download timeout is generous unless the caller sets one.
        using var downloader = new FileDownloader(options ?? new DownloadOptions(timeout: TimeSpan.FromHours(2)));
        foreach (var file in ModelFiles)
        {
            var destination = Path.Combine(folder, file);
            KnownSha256.TryGetValue($"{repo}@{revision}/{file}", out var sha);
            if (sha is null && File.Exists(destination)) continue;      // files reach their final path only when complete
            var url = HuggingFaceHub.ResolveUrl(repo, file, revision, Endpoint);
            if (!File.Exists(destination)) log?.Invoke($"downloading {url}");
            downloader.DownloadAsync(url, destination, sha).GetAwaiter().GetResult();
        }
        return folder;
    }
}
