using System.Text.Json.Nodes;
using Reproduction.Training;
using Repro.Tests.IO;

namespace Repro.Tests.Training;

/// <summary>
/// The TensorBoard mirror of a metrics file, read back by <see cref="TensorBoardEvents"/> (TFRecord framing and protobuf
/// decoded by hand, checksums verified): which fields become scalars, where the run folder is, that each write is on
/// disk at once, and that a resume's truncation leaves every step once.
/// </summary>
public sealed class TensorBoardLogTests : IDisposable
{
    private readonly TempFolder _run = new();
    public void Dispose() => _run.Dispose();

    private MetricsLog Log() => MetricsLog.InRunFolder(_run.File("metrics"), "seed-1-sft-then-rl-sft.jsonl");

    private static JsonObject Line(long step, double loss) =>
        new() { ["step"] = step, ["loss"] = loss, ["lr"] = 1e-4 * step, ["tokens"] = 100 * step, ["skipped_nonfinite"] = true, ["note"] = "text" };

    [Fact]
    public void A_metrics_file_of_a_run_folder_gets_a_tensorboard_run_named_after_it_beside_metrics()
    {
        var log = Log();
        Assert.Equal(Path.Combine(_run.Path, "tensorboard", "seed-1-sft-then-rl-sft"), log.TensorBoard!.RunDirectory);
        log.Append(Line(1, 0.5));
        var file = Assert.Single(TensorBoardEvents.ReadRun(log.TensorBoard.RunDirectory));
        Assert.Contains("brain.Event:2", file.FileVersions);
    }

    [Fact]
    public void Every_numeric_field_becomes_a_scalar_tagged_with_its_name_at_the_lines_step()
    {
        var log = Log();
        log.Append(Line(1, 0.75));
        log.Append(new JsonObject { ["step"] = 2, ["loss"] = 0.5, ["eval"] = new JsonObject { ["ce"] = 2.25 } });

        var scalars = TensorBoardEvents.ScalarsOf(log.TensorBoard!.RunDirectory).Select(s => (s.Tag, s.Step, s.Value));
        Assert.Equal([("loss", 1L, 0.75f), ("lr", 1L, 1e-4f), ("tokens", 1L, 100f), ("loss", 2L, 0.5f), ("eval/ce", 2L, 2.25f)], scalars);
    }

    [Fact]
    public void Each_line_is_on_disk_as_soon_as_it_is_appended()
    {
        var log = Log();
        for (int step = 1; step <= 3; step++)
        {
            log.Append(Line(step, 1.0 / step));
            Assert.Equal(3 * step, TensorBoardEvents.ScalarsOf(log.TensorBoard!.RunDirectory).Count);
        }
    }

    [Fact]
    public void Wall_times_are_unix_seconds_of_the_write()
    {
        var log = Log();
        log.Append(Line(1, 0.5));
        var wall = TensorBoardEvents.ScalarsOf(log.TensorBoard!.RunDirectory)[0].WallTime;
        Assert.InRange(wall, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600);
    }

    [Fact]
    public void A_resume_truncation_rewrites_the_run_so_every_step_appears_once_with_the_resumed_value()
    {
        var log = Log();
        for (int step = 1; step <= 5; step++) log.Append(Line(step, 1.0 / step));
        log.TruncateAfter(3);                                          // resumed from checkpoint-3
        for (int step = 4; step <= 5; step++) log.Append(Line(step, 10.0 + step));

        var losses = TensorBoardEvents.ScalarsOf(log.TensorBoard!.RunDirectory).Where(s => s.Tag == "loss").Select(s => (s.Step, s.Value));
        Assert.Equal([(1L, 1f), (2L, 0.5f), (3L, 1f / 3), (4L, 14f), (5L, 15f)], losses);
    }

    [Fact]
    public void A_truncation_before_any_line_empties_the_run()
    {
        var log = Log();
        log.Append(Line(1, 0.5));
        log.TruncateAfter(0);
        Assert.Empty(TensorBoardEvents.ScalarsOf(log.TensorBoard!.RunDirectory));
        Assert.Empty(log.Read());
    }

    [Fact]
    public void A_step_beyond_tensorboards_int32_range_is_an_error_naming_the_run()
    {
        var board = TensorBoardLog.InRunFolder(_run.Path, "run");
        var e = Assert.Throws<Reproduction.ReproException>(() => board.Write(new JsonObject { ["step"] = 1L << 40, ["loss"] = 1.0 }));
        Assert.Contains(board.RunDirectory, e.Message);
    }

    [Fact]
    public void A_metrics_log_without_a_run_writes_no_event_file()
    {
        var log = new MetricsLog(_run.File("metrics.jsonl"));
        log.Append(Line(1, 0.5));
        Assert.Null(log.TensorBoard);
        Assert.Empty(Directory.EnumerateFiles(_run.Path, "*tfevents*", SearchOption.AllDirectories));
    }

    [Fact]
    public void The_reader_refuses_a_record_whose_checksum_does_not_match()
    {
        var log = Log();
        log.Append(Line(1, 0.5));
        var path = Assert.Single(TensorBoardEvents.ReadRun(log.TensorBoard!.RunDirectory)).Path;
        var bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x40;                                               // a bit of the last record's payload
        File.WriteAllBytes(path, bytes);
        Assert.Throws<InvalidDataException>(() => TensorBoardEvents.Read(path));
    }
}
