namespace Reproduction.IO;

/// <summary>
/// Limits of one <see cref="FileDownloader"/> download, validated at construction.
/// <see cref="Timeout"/> bounds the whole download (all attempts, redirects included); <see cref="MaxAttempts"/>
/// counts requests after a dropped connection (each later one resumes with a Range request);
/// <see cref="UseProxy"/> follows the system proxy settings (HTTP_PROXY and friends).
/// </summary>
public sealed record DownloadOptions
{
    public TimeSpan Timeout { get; }
    public int MaxRedirects { get; }
    public int MaxAttempts { get; }
    public bool UseProxy { get; }

    /// <summary>The clock the <see cref="Timeout"/> runs on (the system's; a test gives its own, to expire it at a chosen point).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public DownloadOptions(TimeSpan? timeout = null, int maxRedirects = 10, int maxAttempts = 5, bool useProxy = true)
    {
        var t = timeout ?? TimeSpan.FromMinutes(10);
        if (t <= TimeSpan.Zero) throw new ReproException($"download: timeout must be positive, got {t}");
        if (maxRedirects < 0) throw new ReproException($"download: maxRedirects must be >= 0, got {maxRedirects}");
        if (maxAttempts < 1) throw new ReproException($"download: maxAttempts must be >= 1, got {maxAttempts}");
        Timeout = t;
        MaxRedirects = maxRedirects;
        MaxAttempts = maxAttempts;
        UseProxy = useProxy;
    }

    public static DownloadOptions Default { get; } = new();
}
