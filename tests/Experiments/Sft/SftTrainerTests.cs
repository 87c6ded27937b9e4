using Reproduction.Evaluation;
using Reproduction.Sft;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Sft;

/// <summary>The SFT trainer: completion-only masking, token-mean gradient accumulation, learning, no leaks.</summary>
public sealed class SftTrainerTests
{
    [Fact]
    public void The_loss_mask_covers_completion_tokens_only_and_never_padding_or_position_zero()
    {
        using var batch = SftBatch.Collate([new SftExample([1, 5, 6], [20, 2]), new SftExample([1, 7], [21, 22, 2])], ToyTask.Pad, maxLength: 16);
        Assert.Equal(new long[] { 1, 5, 6, 20, 2, 1, 7, 21, 22, 2 }, batch.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 0, 0, 1, 1, 0, 0, 1, 1, 1 }, batch.LossMask.data<long>().ToArray());
        Assert.Equal(5, batch.CompletionTokens);

        using var cut = SftBatch.Collate([new SftExample([1, 5, 6], [20, 21, 2])], ToyTask.Pad, maxLength: 4);   // keep_start
        Assert.Equal(new long[] { 1, 5, 6, 20 }, cut.InputIds.data<long>().ToArray());
        Assert.Equal(1, cut.CompletionTokens);
    }

    [Fact]
    public void Batch_8_with_accumulation_1_takes_the_same_step_as_batch_1_with_accumulation_8()
    {
        // TRL's invariant: the accumulated loss is Σ NLL / N over the whole batch, so the split does not matter.
        const double Float64Tolerance = 1e-12;   // same sums in another order
        var data = ToyTask.Examples().Take(8).ToList();
        double[] Run(int batch, int accumulation)
        {
            var model = ToyTask.Model(seed: 11, dtype: ScalarType.Float64);
            var options = new SftOptions { PerDeviceTrainBatchSize = batch, GradientAccumulationSteps = accumulation, MaxSteps = 1,
                LearningRate = 1e-2, LrSchedulerType = "constant", WarmupRatio = 0, EvalSteps = 0, MaxGradNorm = 1e9 };
            new SftTrainer(model, options, data, null, ToyTask.Pad).Train();
            return model.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        }
        var a = Run(8, 1);
        var b = Run(1, 8);
        Assert.Equal(a.Length, b.Length);
        Assert.All(Enumerable.Range(0, a.Length), i => Assert.True(Math.Abs(a[i] - b[i]) <= Float64Tolerance, $"param {i}: {a[i]} vs {b[i]}"));
    }

    [Fact]
    public void A_short_SFT_starts_from_a_near_uniform_model_and_at_least_halves_the_test_cross_entropy_for_every_seed()
    {
        var data = ToyTask.Examples();
        double uniform = Math.Log(ToyTask.Config().VocabSize);                      // an untrained model predicts nearly uniformly
        foreach (var seed in new[] { 3, 4, 5 })
        {
            var model = ToyTask.Model(seed);
            var options = new SftOptions { PerDeviceTrainBatchSize = 12, GradientAccumulationSteps = 1, NumTrainEpochs = 40,
                LearningRate = 2e-2, WarmupRatio = 0.05, EvalSteps = 20, MaxGradNorm = 1.0, Seed = seed };
            var history = new SftTrainer(model, options, data, data, ToyTask.Pad).Train();
            double before = history[0].EvalCe!.Value, after = history[^1].EvalCe!.Value;
            Assert.InRange(before, uniform - 0.3, uniform + 0.3);
            Assert.True(after < before / 2, $"seed {seed}: CE after SFT {after:F4} (before {before:F4}); curve: {string.Join(", ", history.Where(h => h.EvalCe.HasValue).Select(h => h.EvalCe!.Value.ToString("F3")))}");
            Assert.Equal(120, history.Count(h => h.Step > 0));                      // 40 epochs × 36 examples / 12
            Assert.Equal(after, CrossEntropy.Evaluate(model, data, ToyTask.Pad, 512, 7).MeanTokenNll, 5);
        }
    }

    [Fact]
    public void Live_tensors_do_not_grow_per_step()
    {
        var data = ToyTask.Examples();
        var model = ToyTask.Model();
        var counts = new List<long>();
        var options = new SftOptions { PerDeviceTrainBatchSize = 6, GradientAccumulationSteps = 2, MaxSteps = 12, EvalSteps = 4, LearningRate = 1e-3 };
        new SftTrainer(model, options, data, data, ToyTask.Pad) { OnStep = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) }.Train();
        // After the first step (AdamW moments, gradients) the count must be flat.
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[1], c));
    }

    [Fact]
    public void A_non_finite_loss_stops_the_run_naming_the_step()
    {
        var model = ToyTask.Model();
        using (torch.no_grad()) model.parameters().First().fill_(double.NaN);
        var options = new SftOptions { PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 1, MaxSteps = 3, EvalSteps = 0 };
        var e = Assert.Throws<NonFiniteLossException>(() => new SftTrainer(model, options, ToyTask.Examples(), null, ToyTask.Pad).Train());
        Assert.Equal(1, e.Step);

        var skipped = new SftTrainer(model, options with { SkipNonFinite = true }, ToyTask.Examples(), null, ToyTask.Pad).Train();
        Assert.All(skipped, m => Assert.True(m.Skipped));
    }

    [Fact]
    public void Options_are_validated_with_the_field_named()
    {
        Assert.Contains("warmup_ratio", Assert.Throws<Reproduction.ReproException>(() => new SftOptions { WarmupRatio = 2 }.Validated()).Message);
        Assert.Contains("packing", Assert.Throws<Reproduction.ReproException>(() => new SftOptions { Packing = true }.Validated()).Message);
    }
}

/// <summary>Checkpoints: written atomically with a manifest, and a resumed run continues bit for bit.</summary>
public sealed class SftResumeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-sft-resume-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static SftOptions Options => new()
    {
        PerDeviceTrainBatchSize = 6, GradientAccumulationSteps = 2, NumTrainEpochs = 4, LearningRate = 5e-3,
        WarmupRatio = 0.1, EvalSteps = 3, SaveSteps = 3, Seed = 9,
    };

    [Fact]
    public void A_run_resumed_from_its_checkpoint_matches_the_uninterrupted_run_bitwise_in_float32()
    {
        var data = ToyTask.Examples();
        var straightDir = Path.Combine(_dir, "straight");
        var straight = new SftTrainer(ToyTask.Model(), Options, data, data, ToyTask.Pad)
            { OutputDir = straightDir, Metrics = new MetricsLog(Path.Combine(straightDir, "metrics.jsonl")) }.Train();

        // The interrupted run: only checkpoint-6 survives, and its metrics log ran past step 6 (killed later);
        // it resumes into a model object initialised differently, so everything must come from the checkpoint.
        var resumedDir = Path.Combine(_dir, "resumed");
        Directory.CreateDirectory(resumedDir);
        CopyFolder(TrainerCheckpoint.PathFor(straightDir, 6), TrainerCheckpoint.PathFor(resumedDir, 6));
        var metrics = new MetricsLog(Path.Combine(resumedDir, "metrics.jsonl"));
        foreach (var line in new MetricsLog(Path.Combine(straightDir, "metrics.jsonl")).Read()) metrics.Append(line);   // a log that ran past step 6
        var resumed = new SftTrainer(ToyTask.Model(seed: 99), Options, data, data, ToyTask.Pad)
            { OutputDir = resumedDir, ResumeFrom = "auto", Metrics = metrics }.Train();

        Assert.Equal(6, resumed.Count);
        Assert.Equal(straight.Where(m => m.Step > 6).Select(m => (m.Step, m.Loss, m.GradNorm, m.EvalCe)), resumed.Select(m => (m.Step, m.Loss, m.GradNorm, m.EvalCe)));
        Assert.Equal(File.ReadAllLines(Path.Combine(straightDir, "metrics.jsonl")).Select(StripTiming), File.ReadAllLines(metrics.Path).Select(StripTiming));
        Assert.Equal(File.ReadAllBytes(Path.Combine(TrainerCheckpoint.PathFor(straightDir, 12), "model", "model.safetensors")),
                     File.ReadAllBytes(Path.Combine(TrainerCheckpoint.PathFor(resumedDir, 12), "model", "model.safetensors")));
    }

    [Fact]
    public void A_checkpoint_whose_manifest_fails_is_never_resumed_from()
    {
        var data = ToyTask.Examples();
        new SftTrainer(ToyTask.Model(), Options, data, null, ToyTask.Pad) { OutputDir = _dir }.Train();
        Assert.Equal(TrainerCheckpoint.PathFor(_dir, 12), TrainerCheckpoint.Latest(_dir));

        File.Delete(Path.Combine(TrainerCheckpoint.PathFor(_dir, 12), FolderManifestName));     // as if killed before the manifest
        var weights = Path.Combine(TrainerCheckpoint.PathFor(_dir, 9), "optimizer.safetensors");
        File.WriteAllBytes(weights, File.ReadAllBytes(weights)[..100]);                            // truncated
        var warnings = new List<string>();
        Assert.Equal(TrainerCheckpoint.PathFor(_dir, 6), TrainerCheckpoint.Latest(_dir, warnings.Add));
        Assert.Equal(2, warnings.Count);
    }

    private const string FolderManifestName = Reproduction.IO.FolderManifest.FileName;

    private static string StripTiming(string line) => System.Text.RegularExpressions.Regex.Replace(line, "\"tokens_per_s\":[0-9.eE+-]+,?", "");

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }
}
