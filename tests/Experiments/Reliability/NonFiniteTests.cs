using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Sft;
using Reproduction.Training;
using Repro.Tests.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Reliability;

/// <summary>
/// NaN/Inf end to end: a weight turned NaN after step k (through OnStep) makes step k+1's loss NaN; the run stops
/// naming that step and the last checkpoint before it verifies and holds finite weights. With skip_nonfinite the
/// step is skipped and counted, and once the weight is repaired the run continues with finite losses to the end.
/// From the command line, a model folder whose weights are NaN ends `repro sft` with exit code 2 naming step 1.
/// </summary>
public sealed class NonFiniteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-nonfinite-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static SftOptions Options => new() { PerDeviceTrainBatchSize = 6, MaxSteps = 12, SaveSteps = 3, EvalSteps = 0, LearningRate = 5e-3, Seed = 3 };

    [Fact]
    public void A_nan_weight_after_step_4_stops_the_run_at_step_5_and_checkpoint_3_stays_good()
    {
        var model = ToyTask.Model();
        var dir = Path.Combine(_dir, "stop");
        var trainer = new SftTrainer(model, Options, ToyTask.Examples(), null, ToyTask.Pad)
        {
            OutputDir = dir, Metrics = new MetricsLog(Path.Combine(dir, "metrics.jsonl")),
            OnStep = m => { if (m.Step == 4) using (torch.no_grad()) model.parameters().First().fill_(double.NaN); },
        };
        var e = Assert.Throws<NonFiniteLossException>(() => trainer.Train());
        Assert.Equal(5, e.Step);
        Assert.Contains("step 5", e.Message);

        var latest = TrainerCheckpoint.Latest(dir);
        Assert.Equal(TrainerCheckpoint.PathFor(dir, 3), latest);
        FolderManifest.Verify(latest!);
        Assert.False(Directory.Exists(TrainerCheckpoint.PathFor(dir, 6)));
        var restored = ToyTask.Model(seed: 77);
        using var optimizer = new AdamW(restored.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options(0.9, 0.999, 1e-8, 0));
        Assert.Equal(3, TrainerCheckpoint.Restore(latest!, restored, optimizer).GlobalStep);
        using (torch.no_grad())
            Assert.All(restored.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        Assert.Equal(4, new MetricsLog(Path.Combine(dir, "metrics.jsonl")).Read().Max(r => r["step"]!.GetValue<long>()));
    }

    [Fact]
    public void With_skip_nonfinite_the_bad_step_is_skipped_counted_and_the_run_finishes()
    {
        var model = ToyTask.Model();
        var dir = Path.Combine(_dir, "skip");
        Tensor? saved = null;
        var trainer = new SftTrainer(model, Options with { SkipNonFinite = true }, ToyTask.Examples(), null, ToyTask.Pad)
        {
            OutputDir = dir, Metrics = new MetricsLog(Path.Combine(dir, "metrics.jsonl")),
            OnStep = m =>
            {
                using var _ = torch.no_grad();
                var p = model.parameters().First();
                if (m.Step == 4) { saved = p.detach().clone(); p.fill_(double.NaN); }       // step 5 sees a NaN weight
                if (m.Step == 5) { p.copy_(saved!); saved!.Dispose(); }                     // repaired: step 6 is fine again
            },
        };
        var history = trainer.Train();
        Assert.Equal(12, history.Count);
        Assert.Equal([5L], history.Where(h => h.Skipped).Select(h => h.Step));
        Assert.All(history.Where(h => h.Step != 5), h => Assert.True(double.IsFinite(h.Loss), $"step {h.Step}: loss {h.Loss}"));
        // The skipped step left no NaN in the optimizer: the last checkpoint verifies and its weights are finite.
        FolderManifest.Verify(TrainerCheckpoint.PathFor(dir, 12));
        using (torch.no_grad())
            Assert.All(model.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        var logged = new MetricsLog(Path.Combine(dir, "metrics.jsonl")).Read();
        Assert.Equal([5L], logged.Where(r => r.ContainsKey("skipped_nonfinite")).Select(r => r["step"]!.GetValue<long>()));
    }

    [Fact]
    public void Repro_sft_on_nan_weights_exits_2_naming_step_1()
    {
        var nan = Path.Combine(_dir, "nan-model");
        Directory.CreateDirectory(nan);
        foreach (var f in Directory.EnumerateFiles(TinySmokeBase.Path)) File.Copy(f, Path.Combine(nan, Path.GetFileName(f)));
        using (var model = Qwen3ForCausalLM.FromPretrained(nan, ScalarType.Float32, CPU))
        {
            using (torch.no_grad()) foreach (var p in model.parameters()) p.fill_(double.NaN);
            SafetensorsWriter.Write(Path.Combine(nan, "model.safetensors"), model.NamedWeights());
        }
        var (code, stderr) = ReproChild.Run("sft", "--preset", "tiny-smoke", "--model", nan, "--data", "synthetic", "--out", Path.Combine(_dir, "out"), "--max-steps", "2");
        Assert.Equal(2, code);
        Assert.Contains("step 1", stderr);
        Assert.Contains("skip-nonfinite", stderr);
    }
}
