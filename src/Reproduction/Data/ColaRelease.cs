namespace Reproduction.Data;

/// <summary>
/// The official CoLA v1.1 release archive, as recorded in the project: where it is published and the checksum a
/// download must match (the zip linked from https://nyu-mll.github.io/CoLA/, git blob ec31a6bb in nyu-mll/CoLA).
/// </summary>
public static class ColaRelease
{
    public const string OfficialUrl = "https://nyu-mll.github.io/CoLA/cola_public_1.1.zip";
    public const string ZipFileName = "cola_public_1.1.zip";
    public const string ZipSha256 = "2cf856f46df11c143d38e0cf2f9f34ff2fdb088c521cd859f5c4b9581683278b";
    public const long ZipBytes = 255_330;

    /// <summary>The folder the archive unpacks to (holding README, raw/, tokenized/).</summary>
    public const string ExtractedFolder = "cola_public";
}
