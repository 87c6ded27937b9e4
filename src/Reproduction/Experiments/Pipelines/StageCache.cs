using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.IO;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// The shared-prefix checkpoint cache: ROOT/KEY/ holds the model at the end of a pipeline prefix (model/), its
/// <see cref="PrefixState"/> (state.json), the key's preimage (key.json: what made it, which hashes to KEY) and SHA256SUMS
/// over every file. An entry is written into a temporary sibling and renamed into place (<see cref="AtomicFile.WriteFolder"/>),
/// so a reader sees a whole entry or none; of two runs storing the same key, the first rename wins and the other discards
/// its copy and keeps the winner's entry (never replacing an intact entry a reader may be loading). An entry that fails its checks (a file missing, a hash mismatch) is reported and rebuilt, never used.
/// </summary>
public sealed class StageCache(string root, Action<string> log)
{
    public const string StateFile = "state.json", KeyFile = "key.json", SumsFile = "SHA256SUMS", ModelFolder = "model";

    public string Root { get; } = Path.GetFullPath(root);

    public string EntryOf(string key) => Path.Combine(Root, key);

    public static string Short(string key) => key[..12] + "…";

    /// <summary>A loaded entry: the prefix's state and its model folder.</summary>
    public sealed record Entry(PrefixState State, string ModelFolder);

    /// <summary>The entry of <paramref name="key"/> when it is complete and intact; null when there is none or it is damaged (logged).</summary>
    public Entry? TryLoad(string key, string what)
    {
        var dir = EntryOf(key);
        if (!Directory.Exists(dir)) return null;
        try
        {
            return Load(dir, key);
        }
        catch (Exception e) when (e is ReproException or IOException or JsonException or UnauthorizedAccessException)
        {
            log($"cache entry of stage {what} (key {Short(key)}) is damaged and will be rebuilt, not used: {e.Message}");
            return null;
        }
    }

    private static Entry Load(string dir, string key)
    {
        var sums = Sha256Sums.Load(Path.Combine(dir, SumsFile));
        foreach (var required in new[] { StateFile, KeyFile, $"{ModelFolder}/config.json" })
            if (!sums.Entries.ContainsKey(required)) throw ReproException.ForFile(Path.Combine(dir, SumsFile), $"'{required}' is not listed");
        if (!sums.Entries.Keys.Any(k => k.StartsWith(ModelFolder + "/", StringComparison.Ordinal) && k.EndsWith(".safetensors", StringComparison.Ordinal)))
            throw ReproException.ForFile(Path.Combine(dir, SumsFile), "no model weights are listed");
        sums.VerifyAll();
        var preimage = File.ReadAllText(Path.Combine(dir, KeyFile));
        if (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(preimage))) != key)
            throw ReproException.ForFile(Path.Combine(dir, KeyFile), "does not hash to the entry's key");
        return new Entry(PrefixState.Parse(File.ReadAllText(Path.Combine(dir, StateFile))), Path.Combine(dir, ModelFolder));
    }

    /// <summary>
    /// Stores a prefix: <paramref name="writeModel"/> fills the model folder. A damaged entry in the way is replaced; when
    /// another writer stores the key first, its entry is kept and this one discarded. A store that fails is logged, not fatal.
    /// </summary>
    public void Store(string key, JsonObject preimage, PrefixState state, Action<string> writeModel, string what)
    {
        var dir = EntryOf(key);
        try
        {
            Directory.CreateDirectory(Root);
            if (Directory.Exists(dir) && !Intact(dir, key))
            {
                // A damaged entry: moved aside (one rename, so a reader never sees it half-deleted), then removed.
                var aside = Path.Combine(Root, $".{key}{AtomicFile.TempMarker}damaged-{Guid.NewGuid():N}");
                try { Directory.Move(dir, aside); Directory.Delete(aside, recursive: true); }
                catch (IOException) { }                                                  // another run moved it first
            }
            bool stored = AtomicFile.TryCreateFolder(dir, tmp =>
            {
                writeModel(Directory.CreateDirectory(Path.Combine(tmp, ModelFolder)).FullName);
                File.WriteAllText(Path.Combine(tmp, StateFile), state.ToJson());
                File.WriteAllText(Path.Combine(tmp, KeyFile), preimage.ToJsonString());
                WriteSums(tmp);
            });
            log(stored
                ? $"stored stage {what} (key {Short(key)}) in the cache {Root}"
                : $"stage {what} (key {Short(key)}): another run stored it first; keeping its entry");
        }
        catch (Exception e) when (e is ReproException or IOException or UnauthorizedAccessException)
        {
            log($"could not store stage {what} (key {Short(key)}) in the cache: {e.Message}");
        }
    }

    private static bool Intact(string dir, string key)
    {
        try { Load(dir, key); return true; }
        catch (Exception e) when (e is ReproException or IOException or JsonException or UnauthorizedAccessException) { return false; }
    }

    private static void WriteSums(string dir)
    {
        var lines = Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(dir, f).Replace('\\', '/'))
            .Where(rel => rel != SumsFile)
            .Order(StringComparer.Ordinal)
            .Select(rel => $"{Sha256Sums.Of(Path.Combine(dir, rel))}  {rel}\n");
        File.WriteAllText(Path.Combine(dir, SumsFile), string.Concat(lines));
    }
}
