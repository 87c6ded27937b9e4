using System.Text.Json.Nodes;
using Reproduction.Training;

namespace Repro.Tests.Training;

public sealed class MetricsLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-metrics-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Truncating_after_a_step_drops_later_records_and_a_torn_last_line()
    {
        var log = new MetricsLog(Path.Combine(_dir, "metrics.jsonl"));
        for (int s = 1; s <= 5; s++) log.Append(new JsonObject { ["step"] = s, ["loss"] = 1.0 / s });
        File.AppendAllText(log.Path, "{\"step\": 6, \"lo");                       // killed mid-write

        Assert.Equal(5, log.Read().Count);
        log.TruncateAfter(3);
        Assert.Equal([1L, 2L, 3L], log.Read().Select(r => r["step"]!.GetValue<long>()));
    }

    [Fact]
    public void A_corrupt_line_in_the_middle_is_an_error_naming_the_file_and_line()
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        File.WriteAllText(path, "{\"step\":1}\nnot json\n{\"step\":3}\n");
        var e = Assert.Throws<Reproduction.ReproException>(() => new MetricsLog(path).Read());
        Assert.Contains(path, e.Message);
        Assert.Contains("line 2", e.Message);
    }
}
