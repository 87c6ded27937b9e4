using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.IO;

/// <summary>
/// Reads HF safetensors checkpoints: one file, or shards listed by `model.safetensors.index.json`.
/// Headers are validated on open (see <see cref="SafetensorsHeader"/>); tensor data is streamed straight
/// from the file into the tensor's memory, one tensor at a time, and converted to the requested dtype,
/// so loading needs the model's size plus one tensor, not a copy of the file.
/// Pickled weights (.bin/.pt) are refused: they can run code on load.
/// </summary>
public sealed class SafetensorsReader
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>The file or index the reader was opened from (for messages).</summary>
    public string Source { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyList<SafetensorsHeader> Shards { get; }

    private SafetensorsReader(string source, IReadOnlyList<SafetensorsHeader> shards, IReadOnlyDictionary<string, SafetensorsEntry> entries)
    {
        Source = source;
        Shards = shards;
        Entries = entries;
    }

    /// <summary>Opens a model folder (index json preferred, then model.safetensors), an index json, or a single .safetensors file.</summary>
    public static SafetensorsReader Open(string path)
    {
        if (Directory.Exists(path))
        {
            var index = Path.Combine(path, IndexFileName);
            if (File.Exists(index)) return OpenIndex(index);
            var single = Path.Combine(path, SingleFileName);
            if (File.Exists(single)) return OpenFile(single);
            var pickles = Directory.EnumerateFiles(path).Where(f => f.EndsWith(".bin", StringComparison.Ordinal) || f.EndsWith(".pt", StringComparison.Ordinal) || f.EndsWith(".pth", StringComparison.Ordinal)).Select(Path.GetFileName).ToList();
            if (pickles.Count > 0)
                throw ReproException.ForFile(path, $"only pickled PyTorch weights ({string.Join(", ", pickles)}); they are not loaded (unpickling can run code). " +
                    "Convert them to safetensors once with Python: `AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, safe_serialization=True)`");
            throw ReproException.ForFile(path, $"no {SingleFileName} or {IndexFileName} in this folder");
        }
        if (!File.Exists(path)) throw ReproException.ForFile(path, "file or folder not found");
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return OpenIndex(path);
        if (path.EndsWith(".bin", StringComparison.Ordinal) || path.EndsWith(".pt", StringComparison.Ordinal) || path.EndsWith(".pth", StringComparison.Ordinal))
            throw ReproException.ForFile(path, "pickled PyTorch weights are not loaded (unpickling can run code); convert to safetensors with save_pretrained(safe_serialization=True)");
        return OpenFile(path);
    }

    public static SafetensorsReader OpenFile(string file)
    {
        var header = SafetensorsHeader.Read(file);
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (var e in header.Entries) entries[e.Name] = e;
        return new SafetensorsReader(file, [header], entries);
    }

    public static SafetensorsReader OpenIndex(string indexFile)
    {
        var (doc, root) = JsonFields.ParseFile(indexFile);
        using var _ = doc;
        if (root.Get("weight_map") is not { } map || map.ValueKind != JsonValueKind.Object)
            throw ReproException.ForFile(indexFile, "field 'weight_map' is missing or not an object");
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexFile))!;
        var byShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var p in map.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String) throw ReproException.ForFile(indexFile, $"weight_map entry '{p.Name}' must name a shard file");
            var shard = p.Value.GetString()!;
            if (shard.Contains('/') || shard.Contains('\\') || shard == ".." || shard.Length == 0)
                throw ReproException.ForFile(indexFile, $"weight_map entry '{p.Name}' names an invalid shard \"{shard}\"");
            if (!byShard.TryGetValue(shard, out var list)) byShard[shard] = list = [];
            list.Add(p.Name);
        }
        var shards = new List<SafetensorsHeader>();
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        foreach (var (shard, names) in byShard.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var shardPath = Path.Combine(folder, shard);
            if (!File.Exists(shardPath)) throw ReproException.ForFile(shardPath, $"shard listed in {Path.GetFileName(indexFile)} is missing");
            var header = SafetensorsHeader.Read(shardPath);
            shards.Add(header);
            var inShard = header.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
            foreach (var n in names)
            {
                if (!inShard.TryGetValue(n, out var e))
                    throw ReproException.ForFile(shardPath, $"tensor '{n}' is listed in {Path.GetFileName(indexFile)} but not in this shard");
                entries[n] = e;
            }
            foreach (var e in header.Entries)
                if (!map.TryGetProperty(e.Name, out var owner) || owner.GetString() != shard)
                    throw ReproException.ForFile(shardPath, $"tensor '{e.Name}' is not mapped to this shard by {Path.GetFileName(indexFile)}");
        }
        return new SafetensorsReader(indexFile, shards, entries);
    }

    /// <summary>
    /// Checks the checkpoint against the parameters a model expects: every one present with its shape,
    /// nothing unexpected. `optional` names may be present (e.g. a tied `lm_head.weight`), with their shape checked.
    /// </summary>
    public void Validate(IEnumerable<(string Name, long[] Shape)> expected, IEnumerable<(string Name, long[] Shape)>? optional = null)
    {
        var known = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (n, s) in expected)
        {
            known[n] = s;
            if (!Entries.TryGetValue(n, out var e)) throw ReproException.ForFile(Source, $"tensor '{n}' is missing");
            CheckShape(e, s);
        }
        foreach (var (n, s) in optional ?? [])
        {
            known[n] = s;
            if (Entries.TryGetValue(n, out var e)) CheckShape(e, s);
        }
        foreach (var e in Entries.Values.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            if (!known.ContainsKey(e.Name)) throw ReproException.ForFile(e.File, $"unexpected tensor '{e.Name}' (not a parameter of this model)");
            if (DtypeNames.FromSafetensors(e.Dtype) is null)
                throw ReproException.ForFile(e.File, $"tensor '{e.Name}': dtype {e.Dtype} is not a floating type this loader converts (F32, BF16, F16, F64)");
        }
    }

    private static void CheckShape(SafetensorsEntry e, long[] shape)
    {
        if (!e.Shape.SequenceEqual(shape))
            throw ReproException.ForFile(e.File, $"tensor '{e.Name}' has shape [{string.Join(", ", e.Shape)}], the config implies [{string.Join(", ", shape)}]");
    }

    /// <summary>Loads one tensor (a fresh tensor the caller owns), converted to `dtype` (null: as stored) on `device`.</summary>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        if (!Entries.TryGetValue(name, out var e)) throw ReproException.ForFile(Source, $"tensor '{name}' is missing");
        return Load(e, dtype, device);
    }

    public static Tensor Load(SafetensorsEntry e, ScalarType? dtype = null, Device? device = null)
    {
        var stored = DtypeNames.FromSafetensors(e.Dtype)
            ?? throw ReproException.ForFile(e.File, $"tensor '{e.Name}': dtype {e.Dtype} cannot be loaded (F32, BF16, F16, F64 only)");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        if (e.ByteLength > int.MaxValue)
            throw ReproException.ForFile(e.File, $"tensor '{e.Name}' is {e.ByteLength} bytes; tensors over 2 GiB are not supported");
        var raw = torch.empty(e.Shape, stored, torch.CPU);
        try
        {
            if (e.ByteLength > 0)
            {
                using var stream = new FileStream(e.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
                if (stream.Length < e.DataStart + e.End)
                    throw ReproException.ForFile(e.File, $"tensor '{e.Name}': file truncated (has {stream.Length} bytes, needs {e.DataStart + e.End})");
                stream.Position = e.DataStart + e.Begin;
                try
                {
                    stream.ReadExactly(raw.bytes);
                }
                catch (EndOfStreamException ex)
                {
                    throw ReproException.ForFile(e.File, $"tensor '{e.Name}': file truncated while reading", ex);
                }
            }
            var target = dtype ?? stored;
            var dev = device ?? torch.CPU;
            if (target == stored && dev.type == DeviceType.CPU) return raw;
            var converted = raw.to(target, dev);
            raw.Dispose();
            return converted;
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }
}
