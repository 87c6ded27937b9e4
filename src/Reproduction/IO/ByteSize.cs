using System.Globalization;
using System.Text.RegularExpressions;

namespace Reproduction.IO;

/// <summary>transformers' `convert_file_size_to_int`: "2GB" = 2·10⁹, "2GiB" = 2·2³⁰, "500MB", "100KB", or a plain byte count.</summary>
public static partial class ByteSize
{
    public static long Parse(string text, string option = "--max-shard-size")
    {
        var m = SizePattern().Match(text.Trim());
        if (!m.Success) throw new ReproException($"{option}: cannot read \"{text}\" as a size (e.g. 2GB, 500MB, 1GiB)");
        double value = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        long unit = m.Groups[2].Value.ToUpperInvariant() switch
        {
            "" or "B" => 1,
            "KB" => 1_000, "KIB" => 1L << 10,
            "MB" => 1_000_000, "MIB" => 1L << 20,
            "GB" => 1_000_000_000, "GIB" => 1L << 30,
            "TB" => 1_000_000_000_000, "TIB" => 1L << 40,
            _ => throw new ReproException($"{option}: unknown unit in \"{text}\""),
        };
        var bytes = value * unit;
        if (!(bytes >= 1) || bytes > long.MaxValue / 2) throw new ReproException($"{option}: size \"{text}\" is out of range");
        return (long)bytes;
    }

    [GeneratedRegex(@"^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$")]
    private static partial Regex SizePattern();
}
