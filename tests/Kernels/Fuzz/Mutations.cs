using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Repro.Tests.Fuzz;

/// <summary>
/// All mutators of the fuzz tests, in one place: raw bytes (flips, truncations, insertions, interesting values),
/// JSON documents (structure-aware: delete, retype, renumber, duplicate or invent fields; then text-level damage),
/// and text lines (for TSV). Each takes the case's <see cref="Random"/>, so a case reproduces from its seed.
/// </summary>
public static class Mutations
{
    // ---- bytes -------------------------------------------------------------------------------------------------

    private static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, (byte)'"', (byte)'{', (byte)'}', (byte)',', (byte)':', (byte)'\\', 0xC0, 0xED, 0xF8];

    /// <summary>Invalid UTF-8 sequences: a lone continuation byte, an overlong NUL, a truncated 3-byte char, a surrogate, a 0xFF.</summary>
    public static readonly byte[][] InvalidUtf8 = [[0x80], [0xC0, 0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]];

    /// <summary>One random byte-level mutation of `data` within [from, to) (to = length when omitted).</summary>
    public static byte[] MutateBytes(Random r, byte[] data, int from = 0, int? to = null)
    {
        int end = Math.Min(to ?? data.Length, data.Length);
        if (end <= from) return Truncate(r, data);
        int at = r.Next(from, end);
        switch (r.Next(7))
        {
            case 0: { var d = (byte[])data.Clone(); d[at] ^= (byte)(1 << r.Next(8)); return d; }
            case 1: { var d = (byte[])data.Clone(); d[at] = InterestingBytes[r.Next(InterestingBytes.Length)]; return d; }
            case 2: return data[..at];                                                   // truncate inside the region
            case 3: { var bad = InvalidUtf8[r.Next(InvalidUtf8.Length)]; return [.. data[..at], .. bad, .. data[at..]]; }
            case 4: { int n = Math.Min(r.Next(1, 9), data.Length - at); return [.. data[..at], .. data[(at + n)..]]; } // delete a few bytes
            case 5: { int n = Math.Min(r.Next(1, 17), data.Length - at); return [.. data[..(at + n)], .. data[at..]]; } // duplicate a few bytes
            default: { var d = (byte[])data.Clone(); for (int i = 0; i < 4; i++) d[r.Next(from, end)] = (byte)r.Next(256); return d; }
        }
    }

    /// <summary>Cuts the data at a random point (possibly to nothing).</summary>
    public static byte[] Truncate(Random r, byte[] data) => data.Length == 0 ? data : data[..r.Next(0, data.Length)];

    /// <summary>Header lengths worth trying in a u64 length prefix, given the true one and the file length.</summary>
    public static ulong InterestingLength(Random r, ulong actual, long fileLength) => r.Next(12) switch
    {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => actual - 1,
        4 => actual + 1,
        5 => (ulong)fileLength - 8,
        6 => (ulong)fileLength,
        7 => 1UL << 40,                 // 1 TB
        8 => ulong.MaxValue,
        9 => (ulong)long.MaxValue + 1,
        10 => 100_000_001,
        _ => (ulong)r.NextInt64(0, Math.Max(1, fileLength * 2)),
    };

    public static byte[] WithLengthPrefix(byte[] file, ulong length)
    {
        if (file.Length < 8) return file;
        var d = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(d, length);
        return d;
    }

    // ---- JSON --------------------------------------------------------------------------------------------------

    private static readonly JsonDocumentOptions Lenient = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static JsonNode ParseJson(string text) => JsonNode.Parse(text, documentOptions: Lenient)!;

    /// <summary>Raw JSON values that a node may be replaced with: wrong types, signs, magnitudes, precisions.</summary>
    public static readonly string[] InterestingValues =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "2", "3", "7", "-7", "0.5", "-0.5", "1.5", "1e-320", "1e308", "-1e308", "1e400",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808",
        "18446744073709551616", "-9223372036854775809", "1099511627776", "1.0", "100000000000000000000000000000",
        "\"\"", "\"x\"", "\"1\"", "\"-1\"", "\"NaN\"", "\"Infinity\"", "\"a\\nb\"", "\"\\u0000\"", "\"\\ud800\"", "\"é\"", "\"bfloat16\"", "\"F32\"", "\"qwen3\"",
        "[]", "[0]", "[1,2]", "[\"a\"]", "[null]", "{}", "{\"a\":1}", "[[[[[[[[1]]]]]]]]",
    ];

    private const string RawMarker = "\u0001raw\u0001";

    /// <summary>1..count structure-aware mutations of a JSON document, then (sometimes) one text-level one; returns UTF-8 bytes.</summary>
    public static byte[] MutateJson(Random r, JsonNode document, int count, Func<Random, JsonNode, bool>? domainMutation = null)
    {
        var root = document.DeepClone();
        var raws = new List<string>();
        for (int i = 0; i < count; i++)
        {
            if (domainMutation is not null && r.Next(3) == 0 && TryDomain(domainMutation, r, root)) continue;
            MutateNode(r, root, raws);
        }
        var text = root.ToJsonString();
        // Raw replacements (values JsonNode cannot hold, duplicate keys) were parked as marked strings.
        for (int i = 0; i < raws.Count; i++)
            text = text.Replace(JsonSerializer.Serialize(RawMarker + i), raws[i]);
        var bytes = Encoding.UTF8.GetBytes(text);
        return r.Next(5) == 0 ? MutateBytes(r, bytes) : bytes;
    }

    /// <summary>A domain mutation on a tree earlier mutations may have reshaped (a field now an array…): not applicable then.</summary>
    private static bool TryDomain(Func<Random, JsonNode, bool> mutation, Random r, JsonNode root)
    {
        try { return mutation(r, root); }
        catch (InvalidOperationException) { return false; }
    }

    /// <summary>Every node of the tree with its parent (null for the root).</summary>
    public static List<(JsonNode? Parent, JsonNode Node)> Nodes(JsonNode root)
    {
        var list = new List<(JsonNode?, JsonNode)>();
        void Walk(JsonNode? parent, JsonNode? node)
        {
            if (node is null) return;
            list.Add((parent, node));
            if (node is JsonObject o) foreach (var p in o.ToList()) Walk(o, p.Value);
            else if (node is JsonArray a) foreach (var item in a.ToList()) Walk(a, item);
        }
        Walk(null, root);
        return list;
    }

    private static void MutateNode(Random r, JsonNode root, List<string> raws)
    {
        var nodes = Nodes(root);
        var (parent, node) = nodes[r.Next(nodes.Count)];
        string Raw(string raw) { raws.Add(raw); return RawMarker + (raws.Count - 1); }
        switch (r.Next(9))
        {
            case 0 when parent is not null: Remove(parent, node); return;                                    // delete a field / element
            case 1 when parent is not null: Replace(parent, node, Raw(InterestingValues[r.Next(InterestingValues.Length)])); return;
            case 2 when parent is not null && node is JsonValue v && v.TryGetValue<double>(out var d):       // renumber
                Replace(parent, node, Raw(r.Next(6) switch
                {
                    0 => (-d).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    1 => (d + 1).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    2 => (d - 1).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    3 => (d * 2).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    4 => (d * 1e12).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                    _ => (d / 3).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
                }));
                return;
            case 3 when parent is not null: Replace(parent, node, Raw(JsonSerializer.Serialize(node.ToJsonString()))); return; // a value as a string
            case 4 when parent is not null: Replace(parent, node, Raw("[" + node.ToJsonString() + "]")); return;             // wrap in an array
            case 5 when node is JsonObject o && o.Count > 0:                                                                   // duplicate a key
            {
                var key = o.ElementAt(r.Next(o.Count)).Key;
                o[Raw(JsonSerializer.Serialize(key))] = Value(r);
                return;
            }
            case 6 when node is JsonObject o:                                                                                  // invent a field
                o["fuzz_" + r.Next(100)] = Value(r);
                return;
            case 7 when node is JsonObject o && o.Count > 0:                                                                   // rename a field
            {
                var p = o.ElementAt(r.Next(o.Count));
                var value = p.Value?.DeepClone();
                o.Remove(p.Key);
                o[r.Next(2) == 0 ? p.Key.ToUpperInvariant() : p.Key + "_"] = value;
                return;
            }
            case 8 when node is JsonArray a && a.Count > 0:                                                                    // duplicate or drop an element
                if (r.Next(2) == 0) a.Add(a[r.Next(a.Count)]?.DeepClone()); else a.RemoveAt(r.Next(a.Count));
                return;
            default:
                if (parent is not null) Replace(parent, node, Raw(InterestingValues[r.Next(InterestingValues.Length)]));
                return;
        }
    }

    /// <summary>An interesting value as a node (those System.Text.Json will not round-trip become 1; raw text carries them elsewhere).</summary>
    private static JsonNode? Value(Random r)
    {
        try
        {
            var node = JsonNode.Parse(InterestingValues[r.Next(InterestingValues.Length)]);
            _ = node?.ToJsonString();  // a lone surrogate parses but cannot be written back
            return node;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { return JsonValue.Create(1); }
    }

    private static void Remove(JsonNode parent, JsonNode node)
    {
        if (parent is JsonObject o) o.Remove(o.First(p => ReferenceEquals(p.Value, node)).Key);
        else if (parent is JsonArray a) a.Remove(node);
    }

    private static void Replace(JsonNode parent, JsonNode node, string marker)
    {
        if (parent is JsonObject o) o[o.First(p => ReferenceEquals(p.Value, node)).Key] = marker;
        else if (parent is JsonArray a) a[a.IndexOf(node)] = marker;
    }

    // ---- text lines --------------------------------------------------------------------------------------------

    /// <summary>One random mutation of one line (bytes, no newline) of a tab-separated file.</summary>
    public static byte[] MutateLine(Random r, byte[] line)
    {
        var text = Encoding.UTF8.GetString(line);
        var cols = text.Split('\t').ToList();
        string[] labels = ["2", "", "01", " 1", "1 ", "-1", "１", "true", "0.0", "*", "1\r"];
        switch (r.Next(10))
        {
            case 0: cols.Insert(r.Next(cols.Count + 1), "extra"); break;                   // one column too many
            case 1 when cols.Count > 0: cols.RemoveAt(r.Next(cols.Count)); break;          // one too few
            case 2 when cols.Count > 1: cols[1] = labels[r.Next(labels.Length)]; break;    // a bad label
            case 3 when cols.Count > 0: cols[0] = ""; break;                               // empty source
            case 4 when cols.Count > 3: cols[3] = r.Next(2) == 0 ? "" : "  "; break;        // empty sentence
            case 5: return [];                                                             // empty line
            case 6:
            {
                int at = r.Next(line.Length + 1);
                return [.. line[..at], .. InvalidUtf8[r.Next(InvalidUtf8.Length)], .. line[at..]];
            }
            case 7: return [.. line, (byte)'\r'];                                          // CRLF (tolerated)
            case 8: { int at = r.Next(line.Length + 1); return [.. line[..at], (byte)'\r', .. line[at..]]; } // a stray CR
            default: return MutateBytes(r, line.Length == 0 ? [(byte)'x'] : line);
        }
        return Encoding.UTF8.GetBytes(string.Join('\t', cols));
    }

    /// <summary>Splits on LF like the CoLA loader (no trailing empty piece).</summary>
    public static List<byte[]> Lines(byte[] data)
    {
        var lines = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < data.Length; i++)
            if (data[i] == (byte)'\n') { lines.Add(data[start..i]); start = i + 1; }
        if (start < data.Length) lines.Add(data[start..]);
        return lines;
    }
}
