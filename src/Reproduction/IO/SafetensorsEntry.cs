namespace Reproduction.IO;

/// <summary>One tensor in a safetensors file: dtype code, shape, byte span relative to the data section, and the file holding it.</summary>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End, string File, long DataStart)
{
    public long ByteLength => End - Begin;
    public long NumElements => Shape.Aggregate(1L, (a, b) => a * b);
}
