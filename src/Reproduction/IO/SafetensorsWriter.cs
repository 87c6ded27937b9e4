using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Reproduction.IO;

/// <summary>
/// Writes HF-compatible safetensors: u64 LE header length, compact JSON header starting with
/// `"__metadata__":{"format":"pt"}`, entries ordered like the safetensors library (larger dtypes first, then by
/// name), padded with spaces to a multiple of 8, then the raw little-endian data, contiguous. Files are written to a
/// temporary name and renamed into place, so a reader never sees a half-written file.
/// Sharded checkpoints follow `save_pretrained`: `model-0000i-of-0000n.safetensors` plus `model.safetensors.index.json`.
/// </summary>
public static class SafetensorsWriter
{
    public static readonly IReadOnlyDictionary<string, string> PtMetadata = new Dictionary<string, string> { ["format"] = "pt" };

    /// <summary>Writes one file atomically. Tensors are written as stored (convert before if needed).</summary>
    public static void Write(string file, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = Order(tensors);
        var dir = Path.GetDirectoryName(Path.GetFullPath(file))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(file)}.tmp-{Guid.NewGuid():N}");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(stream, list, metadata ?? PtMetadata);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, file, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }

    private static List<(string Name, Tensor Tensor)> Order(IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var list = tensors.ToList();
        var dup = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"tensor '{dup.Key}' given twice");
        // safetensors (Rust) sorts by dtype, larger first, then by name: keeps every tensor aligned to its element size.
        return list.OrderByDescending(t => t.Tensor.ElementSize).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    private static void WriteTo(Stream stream, List<(string Name, Tensor Tensor)> list, IReadOnlyDictionary<string, string> metadata)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");
        var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) json.WriteString(k, v);
            json.WriteEndObject();
            long offset = 0;
            foreach (var (name, t) in list)
            {
                long bytes = t.NumberOfElements * t.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", DtypeNames.ToSafetensors(t.dtype));
                json.WriteStartArray("shape");
                foreach (var d in t.shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        while (header.Length % 8 != 0) header.WriteByte((byte)' ');
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
        stream.Write(len);
        header.Position = 0;
        header.CopyTo(stream);
        foreach (var (name, t) in list)
        {
            using var scope = NewDisposeScope();
            var c = t.detach().cpu().contiguous();
            if (c.NumberOfElements * c.ElementSize > int.MaxValue)
                throw new NotSupportedException($"tensor '{name}' is over 2 GiB; split it before saving");
            if (c.NumberOfElements > 0) stream.Write(c.bytes);
        }
    }

    /// <summary>
    /// Writes `model.safetensors`, or shards of at most `maxShardBytes` each plus the index json when the tensors do not
    /// fit in one (a tensor larger than the limit gets a shard of its own, as in transformers). Tensors are assigned to
    /// shards in the given order. Returns the weight file names written.
    /// </summary>
    public static IReadOnlyList<string> WriteCheckpoint(string folder, IReadOnlyList<(string Name, Tensor Tensor)> tensors, long maxShardBytes)
    {
        if (maxShardBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), "max shard size must be positive");
        Directory.CreateDirectory(folder);
        var shards = new List<List<(string Name, Tensor Tensor)>> { new() };
        long current = 0, total = 0;
        foreach (var item in tensors)
        {
            long bytes = item.Tensor.NumberOfElements * item.Tensor.ElementSize;
            if (current + bytes > maxShardBytes && shards[^1].Count > 0)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(item);
            current += bytes;
            total += bytes;
        }
        if (shards.Count == 1)
        {
            Write(Path.Combine(folder, SafetensorsReader.SingleFileName), shards[0]);
            return [SafetensorsReader.SingleFileName];
        }
        var names = new List<string>();
        var weightMap = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            var name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(folder, name), shards[i]);
            names.Add(name);
            foreach (var (n, _) in shards[i]) weightMap[n] = name;
        }
        var index = new { metadata = new { total_size = total }, weight_map = weightMap };
        AtomicFile.WriteAllText(Path.Combine(folder, SafetensorsReader.IndexFileName),
            JsonSerializer.Serialize(index, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return names;
    }
}
