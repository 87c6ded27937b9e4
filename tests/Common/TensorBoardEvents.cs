using System.Buffers.Binary;
using System.Numerics;
using Google.Protobuf;

namespace Repro.Tests;

/// <summary>
/// Reads TensorBoard event files by hand, independently of the writer: the TFRecord framing (uint64 length, masked
/// CRC-32C of the length, the record, masked CRC-32C of the record; both checksums verified, as TensorBoard does) and the
/// protobuf fields a scalar uses: Event {wall_time = 1, step = 2, file_version = 3, summary = 5}, Summary {value = 1},
/// Summary.Value {tag = 1, simple_value = 2}. Anything else is skipped.
/// </summary>
public static class TensorBoardEvents
{
    public sealed record Scalar(string Tag, long Step, float Value, double WallTime);

    public sealed record EventFile(string Path, IReadOnlyList<string> FileVersions, IReadOnlyList<Scalar> Scalars);

    /// <summary>Every event file of a run folder (names containing "tfevents"), in name order (TensorBoard's).</summary>
    public static IReadOnlyList<EventFile> ReadRun(string runDirectory) =>
        Directory.EnumerateFiles(runDirectory, "*tfevents*").Order(StringComparer.Ordinal).Select(Read).ToList();

    /// <summary>The scalars of all event files of a run folder, in file and record order.</summary>
    public static IReadOnlyList<Scalar> ScalarsOf(string runDirectory) => ReadRun(runDirectory).SelectMany(f => f.Scalars).ToList();

    public static EventFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var versions = new List<string>();
        var scalars = new List<Scalar>();
        for (int at = 0; at < bytes.Length;)
        {
            if (bytes.Length - at < 12) throw new InvalidDataException($"{path}: record header cut at byte {at}");
            var header = bytes.AsSpan(at, 8);
            long length = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 8, 4)) != MaskedCrc32C(header))
                throw new InvalidDataException($"{path}: bad length checksum at byte {at}");
            if (length < 0 || length > bytes.Length - at - 16) throw new InvalidDataException($"{path}: record at byte {at} cut short");
            var record = bytes.AsSpan(at + 12, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at + 12 + (int)length, 4)) != MaskedCrc32C(record))
                throw new InvalidDataException($"{path}: bad record checksum at byte {at}");
            ParseEvent(record.ToArray(), versions, scalars);
            at += 16 + (int)length;
        }
        return new EventFile(path, versions, scalars);
    }

    private static void ParseEvent(byte[] record, List<string> versions, List<Scalar> scalars)
    {
        var input = new CodedInputStream(record);
        double wallTime = 0;
        long step = 0;
        var values = new List<(string Tag, float Value)>();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: wallTime = input.ReadDouble(); break;
                case 2: step = input.ReadInt64(); break;
                case 3: versions.Add(input.ReadString()); break;
                case 5: values.AddRange(ParseSummary(input.ReadBytes())); break;
                default: input.SkipLastField(); break;
            }
        }
        scalars.AddRange(values.Select(v => new Scalar(v.Tag, step, v.Value, wallTime)));
    }

    private static IEnumerable<(string Tag, float Value)> ParseSummary(ByteString summary)
    {
        var input = summary.CreateCodedInput();
        var values = new List<(string, float)>();
        for (uint tag; (tag = input.ReadTag()) != 0;)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 1) { input.SkipLastField(); continue; }
            var value = input.ReadBytes().CreateCodedInput();
            string name = "";
            float simple = float.NaN;
            for (uint t; (t = value.ReadTag()) != 0;)
            {
                switch (WireFormat.GetTagFieldNumber(t))
                {
                    case 1: name = value.ReadString(); break;
                    case 2: simple = value.ReadFloat(); break;
                    default: value.SkipLastField(); break;
                }
            }
            values.Add((name, simple));
        }
        return values;
    }

    /// <summary>TFRecord's checksum: CRC-32C rotated right by 15 bits plus 0xa282ead8.</summary>
    private static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        crc ^= 0xFFFFFFFF;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8;
    }
}
