using System.Text;
using System.Text.Json;

namespace Reproduction.Cli;

/// <summary>Writes one compact JSON document (plus a newline) to a TextWriter; numbers in shortest round-trip form.</summary>
public static class JsonOutput
{
    public static void Write(TextWriter output, Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            body(json);
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        output.Flush();
    }
}
