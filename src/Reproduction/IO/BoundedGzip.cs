using System.IO.Compression;

namespace Reproduction.IO;

/// <summary>
/// Decompresses a gzip file into memory with a cap on the output: a few KB of gzip can expand to gigabytes, so the
/// size of the result is decided by the reader, not by the file. Every failure is "PATH: problem".
/// </summary>
internal static class BoundedGzip
{
    public static byte[] Decompress(Stream compressed, long maxBytes, string path)
    {
        using var gz = new GZipStream(compressed, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = new byte[1 << 16];
        try
        {
            int n;
            while ((n = gz.Read(chunk)) > 0)
            {
                if (output.Length + n > maxBytes)
                    throw ReproException.ForFile(path, $"decompresses to more than {maxBytes} bytes; refused (a gzip bomb or not the expected file)");
                output.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw ReproException.ForFile(path, $"not a valid gzip file: {e.Message}", e);
        }
        return output.ToArray();
    }
}
