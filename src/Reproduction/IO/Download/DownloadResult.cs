namespace Reproduction.IO;

/// <summary>
/// What a download did. <see cref="AlreadyPresent"/>: the destination already had the expected checksum and nothing
/// was fetched. <see cref="Attempts"/>: requests made (redirect hops not counted). <see cref="ResumedFrom"/>: the
/// offset of the last successful Range resume, if any. <see cref="Restarted"/>: a partial file was thrown away because
/// the server ignored or refused the Range request.
/// </summary>
public sealed record DownloadResult(string Path, long Bytes, string Sha256, bool AlreadyPresent, int Attempts, long? ResumedFrom, bool Restarted, Uri FinalUrl);
