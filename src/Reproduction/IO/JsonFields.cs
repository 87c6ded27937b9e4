using System.Text.Json;

namespace Reproduction.IO;

/// <summary>
/// Typed, validated reads of fields in a JSON object, each failure a <see cref="ReproException"/>
/// "FILE: field 'name' …". Used for config.json, generation_config.json and safetensors headers.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _obj;
    public string File { get; }
    public string Prefix { get; }

    public JsonFields(JsonElement obj, string file, string prefix = "")
    {
        File = file;
        Prefix = prefix;
        if (obj.ValueKind != JsonValueKind.Object)
            throw ReproException.ForFile(file, $"{(prefix == "" ? "top level" : $"'{prefix.TrimEnd('.')}'")} must be a JSON object, got {Kind(obj)}");
        _obj = obj;
    }

    /// <summary>Parses a whole file as a JSON object.</summary>
    public static (JsonDocument Doc, JsonFields Fields) Parse(string file, ReadOnlyMemory<byte> utf8)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw ReproException.ForFile(file, $"not valid JSON ({e.Message})", e);
        }
        try
        {
            EnsureStringsDecode(doc.RootElement, file);
            return (doc, new JsonFields(doc.RootElement, file));
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    /// <summary>
    /// JsonDocument checks structure but decodes strings only when they are read: invalid UTF-8 inside a string or an
    /// escaped lone surrogate ("\ud800") would surface later as an InvalidOperationException. Every string and
    /// property name is decoded once here instead, so such a file is refused as "PATH: not valid JSON …".
    /// </summary>
    public static void EnsureStringsDecode(JsonElement root, string file)
    {
        static void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject()) { _ = p.Name; Walk(p.Value); }
                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray()) Walk(item);
                    break;
                case JsonValueKind.String:
                    _ = e.GetString();
                    break;
            }
        }
        try
        {
            Walk(root);
        }
        catch (InvalidOperationException e)
        {
            throw ReproException.ForFile(file, $"not valid JSON (a string does not decode: {e.Message})", e);
        }
    }

    public static (JsonDocument Doc, JsonFields Fields) ParseFile(string file)
    {
        if (!System.IO.File.Exists(file)) throw ReproException.ForFile(file, "file not found");
        return Parse(file, System.IO.File.ReadAllBytes(file));
    }

    public JsonElement Element => _obj;

    public bool Has(string name) => _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string name) =>
        _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private ReproException Error(string name, string problem) =>
        ReproException.ForFile(File, $"field '{Prefix}{name}' {problem}");

    public long RequiredLong(string name) =>
        Get(name) is { } v ? AsLong(name, v) : throw Error(name, "is missing");

    public long Long(string name, long fallback) => Get(name) is { } v ? AsLong(name, v) : fallback;

    public long? OptionalLong(string name) => Get(name) is { } v ? AsLong(name, v) : null;

    public long RequiredPositive(string name)
    {
        var v = RequiredLong(name);
        if (v <= 0) throw Error(name, $"must be positive, got {v}");
        return v;
    }

    public long PositiveOr(string name, long fallback)
    {
        var v = Long(name, fallback);
        if (v <= 0) throw Error(name, $"must be positive, got {v}");
        return v;
    }

    public double Double(string name, double fallback) => Get(name) is { } v ? AsDouble(name, v) : fallback;

    public double? OptionalDouble(string name) => Get(name) is { } v ? AsDouble(name, v) : null;

    public bool Bool(string name, bool fallback)
    {
        if (Get(name) is not { } v) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(name, $"must be true or false, got {Kind(v)}"),
        };
    }

    public string? OptionalString(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Error(name, $"must be a string, got {Kind(v)}");
    }

    public string RequiredString(string name) => OptionalString(name) ?? throw Error(name, "is missing");

    /// <summary>An integer or a list of integers (HF allows both for eos_token_id).</summary>
    public long[] LongOrList(string name)
    {
        if (Get(name) is not { } v) return [];
        if (v.ValueKind == JsonValueKind.Array)
        {
            var list = new List<long>();
            foreach (var item in v.EnumerateArray()) list.Add(AsLong(name, item));
            return [.. list];
        }
        return [AsLong(name, v)];
    }

    public JsonFields? OptionalObject(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Object) throw Error(name, $"must be an object or null, got {Kind(v)}");
        return new JsonFields(v, File, $"{Prefix}{name}.");
    }

    private long AsLong(string name, JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Number) throw Error(name, $"must be an integer, got {Kind(v)}");
        if (v.TryGetInt64(out var l)) return l;
        // HF writes some integers as 1e6 or 1000000.0; accept an integral double.
        if (v.TryGetDouble(out var d) && d == Math.Floor(d) && Math.Abs(d) < 9e15) return (long)d;
        throw Error(name, $"must be an integer, got {v.GetRawText()}");
    }

    private double AsDouble(string name, JsonElement v) =>
        v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Error(name, $"must be a number, got {Kind(v)}");

    public static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(v.GetString() ?? "")}\"",
        JsonValueKind.Number => $"number {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {v.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => v.ValueKind.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
