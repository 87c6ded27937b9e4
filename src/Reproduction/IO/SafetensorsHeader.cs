using System.Buffers.Binary;
using System.Text.Json;

namespace Reproduction.IO;

/// <summary>
/// The validated header of one `.safetensors` file: u64 little-endian header length N, N bytes of JSON
/// (`{"__metadata__":{…}, name: {"dtype","shape","data_offsets":[begin,end]}}`), then the data section.
/// Every check names the file and, where there is one, the tensor.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>The safetensors reference implementation refuses headers over 100 MB; so do we, before allocating.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public string File { get; }
    public long HeaderLength { get; }
    public long DataStart => 8 + HeaderLength;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Entries in file order (by begin offset).</summary>
    public IReadOnlyList<SafetensorsEntry> Entries { get; }

    private SafetensorsHeader(string file, long headerLength, IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafetensorsEntry> entries)
    {
        File = file;
        HeaderLength = headerLength;
        Metadata = metadata;
        Entries = entries;
    }

    public static SafetensorsHeader Read(string file)
    {
        if (!System.IO.File.Exists(file)) throw ReproException.ForFile(file, "file not found");
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
        long fileLength = stream.Length;
        if (fileLength < 8) throw ReproException.ForFile(file, $"truncated: {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> lenBytes = stackalloc byte[8];
        stream.ReadExactly(lenBytes);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
        if (n < 2 || n > MaxHeaderBytes)
            throw ReproException.ForFile(file, $"bad header length {n} (must be 2..{MaxHeaderBytes} bytes)");
        if ((long)n > fileLength - 8)
            throw ReproException.ForFile(file, $"truncated: header length {n} exceeds the {fileLength - 8} bytes after it");
        var json = new byte[n];
        stream.ReadExactly(json);
        return Parse(file, json, fileLength);
    }

    internal static SafetensorsHeader Parse(string file, byte[] json, long fileLength)
    {
        long headerLength = json.Length;
        long dataStart = 8 + headerLength;
        long dataLength = fileLength - dataStart;
        var (doc, root) = JsonFields.Parse(file, json);
        using var _ = doc;
        var metadata = new Dictionary<string, string>();
        var entries = new List<SafetensorsEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in root.Element.EnumerateObject())
        {
            // JSON readers disagree on duplicate keys (first or last wins); a checkpoint must not depend on which.
            if (!names.Add(prop.Name))
                throw ReproException.ForFile(file, prop.Name == "__metadata__" ? "'__metadata__' appears twice in the header" : $"tensor '{prop.Name}' appears twice in the header");
            if (prop.Name == "__metadata__")
            {
                if (prop.Value.ValueKind != JsonValueKind.Object)
                    throw ReproException.ForFile(file, "header '__metadata__' must be an object of strings");
                foreach (var m in prop.Value.EnumerateObject())
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()!
                        : throw ReproException.ForFile(file, $"header '__metadata__.{m.Name}' must be a string");
                continue;
            }
            entries.Add(ParseEntry(file, prop.Name, prop.Value, dataStart));
        }

        // Offsets: in range, contiguous from 0, non-overlapping, ending exactly at the end of the file.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expected = 0;
        foreach (var e in entries)
        {
            if (e.Begin < expected)
                throw ReproException.ForFile(file, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] overlap the previous tensor (which ends at {expected})");
            if (e.Begin > expected)
                throw ReproException.ForFile(file, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] leave a gap after byte {expected}");
            if (e.End > dataLength)
                throw ReproException.ForFile(file, $"tensor '{e.Name}': data_offsets end {e.End} lies beyond the {dataLength}-byte data section (file truncated?)");
            expected = e.End;
        }
        if (expected != dataLength)
            throw ReproException.ForFile(file, $"the data section has {dataLength} bytes but the tensors cover {expected} (trailing bytes or a bad header)");
        return new SafetensorsHeader(file, headerLength, metadata, entries);
    }

    private static SafetensorsEntry ParseEntry(string file, string name, JsonElement v, long dataStart)
    {
        ReproException Bad(string problem) => ReproException.ForFile(file, $"tensor '{name}': {problem}");
        if (v.ValueKind != JsonValueKind.Object) throw Bad($"header entry must be an object, got {JsonFields.Kind(v)}");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad("missing or non-string 'dtype'");
        var dtype = dt.GetString()!;
        var elementSize = DtypeNames.SafetensorsElementSize(dtype) ?? throw Bad($"unknown dtype \"{dtype}\"");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad("missing or non-array 'shape'");
        var shape = new List<long>();
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0) throw Bad($"shape entry {d.GetRawText()} is not a non-negative integer");
            shape.Add(dim);
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad("'data_offsets' must be [begin, end]");
        long[] be = new long[2];
        int i = 0;
        foreach (var o in off.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out be[i]) || be[i] < 0) throw Bad($"data offset {o.GetRawText()} is not a non-negative integer");
            i++;
        }
        if (be[1] < be[0]) throw Bad($"data_offsets [{be[0]}, {be[1]}] end before they begin");
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * elementSize);
        }
        catch (OverflowException)
        {
            throw Bad($"shape [{string.Join(", ", shape)}] is too large");
        }
        if (bytes != be[1] - be[0])
            throw Bad($"shape [{string.Join(", ", shape)}] × {dtype} is {bytes} bytes but data_offsets [{be[0]}, {be[1]}] span {be[1] - be[0]}");
        return new SafetensorsEntry(name, dtype, [.. shape], be[0], be[1], file, dataStart);
    }
}
