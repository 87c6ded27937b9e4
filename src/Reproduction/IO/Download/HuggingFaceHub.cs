namespace Reproduction.IO;

/// <summary>Hugging Face hub file URLs: <c>{endpoint}/{repo}/resolve/{revision}/{file}</c> (the hub answers with a redirect to its CDN).</summary>
public static class HuggingFaceHub
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>
    /// The download URL of <paramref name="file"/> (a path inside the repository, '/'-separated) in
    /// <paramref name="repo"/> ("owner/name") at <paramref name="revision"/> (branch, tag or 40-hex commit; a '/' in it
    /// is escaped, as the hub expects for refs like <c>refs/pr/1</c>).
    /// </summary>
    public static Uri ResolveUrl(string repo, string file, string revision = "main", string endpoint = DefaultEndpoint)
    {
        var parts = repo.Split('/');
        if (parts.Length != 2 || parts.Any(p => p.Length == 0 || p is "." or ".."))
            throw new ReproException($"hub: repository must be 'owner/name', got '{repo}'");
        if (string.IsNullOrWhiteSpace(revision)) throw new ReproException("hub: empty revision");
        var segments = file.Split('/');
        if (segments.Any(s => s.Length == 0 || s is "." or ".."))
            throw new ReproException($"hub: bad file path '{file}'");
        var path = string.Join('/', segments.Select(Uri.EscapeDataString));
        return new Uri($"{endpoint.TrimEnd('/')}/{Uri.EscapeDataString(parts[0])}/{Uri.EscapeDataString(parts[1])}/resolve/{Uri.EscapeDataString(revision)}/{path}");
    }
}
