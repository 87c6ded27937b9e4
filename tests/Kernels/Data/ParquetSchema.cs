using Parquet;
using Parquet.Schema;

namespace Repro.Tests.Data;

/// <summary>
/// verl's parquet layouts written out independently of the exporter, and a reader that describes a file's schema in
/// the same words (name: type, ? when nullable), so a test compares the exact schema as one string.
/// </summary>
internal static class ParquetSchema
{
    public const string Sft = "instruction: string?; output: string?";

    public const string Rl =
        "data_source: string?; " +
        "prompt: list<element: struct{role: string?, content: string?}?>?; " +
        "ability: string?; " +
        "reward_model: struct{style: string?, ground_truth: string?}?; " +
        "extra_info: struct{split: string?, index: int64?}?";

    public static string Describe(Field field) => field switch
    {
        DataField d => $"{d.Name}: {TypeName(d)}{(d.IsArray ? "[]" : "")}{Nullable(d)}",
        ListField l => $"{l.Name}: list<{Describe(l.Item)}>{Nullable(l)}",
        StructField s => $"{s.Name}: struct{{{string.Join(", ", s.Fields.Select(Describe))}}}{Nullable(s)}",
        _ => $"{field.Name}: {field.SchemaType}{Nullable(field)}",
    };

    private static string Nullable(Field f) => f.IsNullable ? "?" : "";

    /// <summary>The type as stored: UTF-8 byte arrays are "string", plain 64-bit integers "int64"; anything else spelled out.</summary>
    private static string TypeName(DataField d) => d.SchemaElement is not { } e ? $"? ({d.ClrType.Name})" : (e.Type, e.ConvertedType, e.LogicalType) switch
    {
        (Parquet.Meta.Type.BYTE_ARRAY, Parquet.Meta.ConvertedType.UTF8, { STRING: not null }) => "string",
        (Parquet.Meta.Type.INT64, null or Parquet.Meta.ConvertedType.INT_64, null or { INTEGER: { BitWidth: 64, IsSigned: true } }) => "int64",
        var (type, converted, logical) => $"{type}/{converted}/{logical}",
    };

    /// <summary>The file's schema, described, and its row count.</summary>
    public static async Task<(string Schema, long Rows)> ReadAsync(string path, CancellationToken ct)
    {
        await using var reader = await ParquetReader.CreateAsync(path, cancellationToken: ct);
        var rows = Enumerable.Range(0, reader.RowGroupCount).Sum(i => { using var g = reader.OpenRowGroupReader(i); return g.RowCount; });
        return (string.Join("; ", reader.Schema.Fields.Select(Describe)), rows);
    }
}
