using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Qwen3;
using Reproduction.Sft;

namespace Reproduction.Benchmarks;

/// <summary>
/// One kind of work of a full study run: how many times it happens, the model FLOPs of each (<see cref="ModelFlops"/>),
/// the rate this CPU was measured at for that kind of work (FLOP/s, from a short run at the same shape and dtype), and
/// the seconds of each that do not scale with FLOPs (the AdamW pass over every parameter, once per optimizer step).
/// </summary>
public sealed record ProjectionPhase(string Name, double Count, double FlopsEach, double CpuFlopsPerSecond, double CpuFixedSecondsEach = 0);

/// <summary>What a phase costs in all: FLOPs, H100 hours at the assumed MFU, CPU days at the measured rate.</summary>
public sealed record ProjectedPhase(string Name, double Count, double Flops, double GpuHours, double CpuDays);

/// <summary>
/// The arithmetic of `repro bench --preset`: total FLOPs of each phase = count × FLOPs each; GPU hours = FLOPs ÷
/// (MFU × nominal peak) ÷ 3600; CPU days = (FLOPs ÷ measured CPU FLOP/s + count × fixed seconds) ÷ 86,400. The GPU figure
/// charges every FLOP at one MFU (decoding is memory-bound on a GPU and runs below it, so generation-heavy phases are
/// optimistic there); the CPU figure charges each phase at the rate measured for that kind of work.
/// </summary>
public static class PaperRunProjection
{
    /// <summary>H100 SXM dense bfloat16 peak, FLOP/s (NVIDIA data sheet; <see cref="GpuPeak"/>).</summary>
    public const double H100PeakFlops = 989e12;

    public static IReadOnlyList<ProjectedPhase> Project(IReadOnlyList<ProjectionPhase> phases, double mfu, double peakFlops)
    {
        if (!(mfu is > 0 and <= 1)) throw new ReproException($"--mfu: must lie in (0, 1], got {mfu}");
        if (!(peakFlops > 0) || !double.IsFinite(peakFlops)) throw new ReproException($"--peak-tflops: must be positive, got {peakFlops / 1e12}");
        return phases.Select(p =>
        {
            double flops = p.Count * p.FlopsEach;
            return new ProjectedPhase(p.Name, p.Count, flops, flops / (mfu * peakFlops) / 3600,
                (flops / p.CpuFlopsPerSecond + p.Count * p.CpuFixedSecondsEach) / 86400);
        }).ToList();
    }

    /// <summary>
    /// The work of a full `repro study` run of <paramref name="preset"/> on one seed (both pipelines), counted from its
    /// settings: SFT steps = 2 pipelines × <see cref="SftTrainer.StepsFor"/>; GRPO steps = 2 pipelines × rl_stage.max_steps
    /// (the cap: RL-then-SFT may stop earlier at a plateau); evaluation points per stage = 1 + ⌈steps ÷ eval_steps⌉ at its
    /// start and cadence (SFT-then-RL tracks the CE in both stages, RL-then-SFT mean@1 in both; the start of a second stage
    /// is the end of the first, counted once); 5 diagnosed checkpoints, each (samples_per_prompt × 2.5) completions per
    /// evaluation prompt (headline n, SFT-prompt n/2, training-sentence n/2, two greedy) and one more CE pass.
    /// </summary>
    public sealed record Workload(int SftSteps, int GrpoSteps, int CePoints, int MeanAt1Points, int Checkpoints)
    {
        /// <summary>Checkpoints a study diagnoses: the base and the end of each stage of both pipelines.</summary>
        public const int Diagnosed = 5;

        public static Workload Of(StudyPreset preset, int trainExamples)
        {
            int sft = SftTrainer.StepsFor(preset.Sft, trainExamples);
            int rl = preset.RlStage.MaxSteps;
            int grpoEvery = preset.Grpo.EvalSteps ?? int.MaxValue;
            int sftEvery = preset.Sft.EvalSteps > 0 ? preset.Sft.EvalSteps : int.MaxValue;
            int Points(int steps, int every) => every == int.MaxValue ? 1 : (steps + every - 1) / every;
            int points = 1 + Points(sft, sftEvery) + Points(rl, grpoEvery);
            return new Workload(2 * sft, 2 * rl, points + Diagnosed, points, Diagnosed);
        }
    }

    /// <summary>Mean token counts of the task's texts under the preset's encoder (real tokenizer, real sentences).</summary>
    public sealed record TextLengths(double SftTokens, double SftCompletionTokens, double RlPromptTokens, int TrainExamples, int TestExamples)
    {
        public static TextLengths Of(StudyPreset preset)
        {
            var (train, test) = TaskSetup.LoadData(preset.Data);
            var encoder = TaskSetup.Encoder(preset, Text.Qwen3Tokenizer.LoadDefault(), Data.ColaTaskFormatter.ColaRl, [.. train, .. test]);
            var sft = train.Select(encoder.Sft).ToList();
            return new TextLengths(sft.Average(x => (double)(x.PromptIds.Count + x.CompletionIds.Count)), sft.Average(x => (double)x.CompletionIds.Count),
                train.Average(e => (double)encoder.Rl(e).PromptIds.Length), train.Count, test.Count);
        }
    }

    /// <summary>
    /// The FLOPs of each unit of work of the full run: an SFT optimizer step (its examples × mean length, loss on the
    /// completion rows), a GRPO step's rollout (prompts × samples with the KV cache, every completion at the cap: an upper
    /// bound) and its training pass (+ a reference forward when beta ≠ 0), one mean@1 point (every evaluation prompt ×
    /// samples, at eval.max_new_tokens), one CE pass over the test split, one diagnosis.
    /// </summary>
    public sealed record UnitFlops(double SftStep, double GrpoRollout, double GrpoTrain, double MeanAt1Point, double CePoint, double Diagnosis)
    {
        public static UnitFlops Of(Qwen3Config c, StudyPreset preset, TextLengths t)
        {
            int examples = preset.Sft.PerDeviceTrainBatchSize * preset.Sft.GradientAccumulationSteps;
            long sftLength = (long)Math.Round(t.SftTokens), sftCompletion = (long)Math.Round(t.SftCompletionTokens), prompt = (long)Math.Round(t.RlPromptTokens);
            var g = preset.Grpo;
            long rows = g.CompletionsPerStep, completion = g.MaxCompletionLength;
            double train = ModelFlops.Training(c, rows, prompt + completion, rows * completion)
                + (g.Beta != 0 ? ModelFlops.Forward(c, rows, prompt + completion, 0, rows * completion) : 0);
            int evalPrompts = preset.Data.EvalPrompts > 0 ? Math.Min(preset.Data.EvalPrompts, t.TestExamples) : t.TestExamples;
            int ceExamples = preset.Data.CeExamples > 0 ? Math.Min(preset.Data.CeExamples, t.TestExamples) : t.TestExamples;
            long n = preset.Eval.SamplesPerPrompt, newTokens = preset.Eval.MaxNewTokens;
            double meanAt1 = ModelFlops.Generation(c, evalPrompts * n, prompt, newTokens, useCache: true);
            double ce = ModelFlops.Forward(c, ceExamples, sftLength, 0, ceExamples * sftCompletion);
            double diagnosis = ModelFlops.Generation(c, (long)Math.Round(evalPrompts * (2.5 * n)), prompt, newTokens, useCache: true);
            return new UnitFlops(ModelFlops.Training(c, examples, sftLength, examples * sftCompletion),
                ModelFlops.Generation(c, rows, prompt, completion, useCache: true), train, meanAt1, ce, diagnosis);
        }
    }

    /// <summary>A study run's phases from its counts, unit FLOPs and one dtype's measured CPU rates.</summary>
    public static IReadOnlyList<ProjectionPhase> Phases(Workload w, UnitFlops f, CpuRates r) =>
    [
        new("SFT steps (forward + backward, optimizer)", w.SftSteps, f.SftStep, r.SftTrain, r.OptimizerSeconds),
        new("GRPO rollouts (generation)", w.GrpoSteps, f.GrpoRollout, r.Rollout),
        new("GRPO training (forward + backward, optimizer)", w.GrpoSteps, f.GrpoTrain, r.GrpoTrain, r.OptimizerSeconds),
        new("mean@1 evaluations", w.MeanAt1Points, f.MeanAt1Point, r.Sampling),
        new("SFT-test CE evaluations", w.CePoints, f.CePoint, r.CeForward),
        new("checkpoint diagnoses (sampling)", w.Checkpoints, f.Diagnosis, r.Sampling),
    ];

    /// <summary>
    /// This CPU's measured FLOP rates at the shape for one dtype: SFT and GRPO forward + backward, GRPO rollout and mean@1
    /// sampling (KV cache), CE forward; and the optimizer's seconds per step.
    /// </summary>
    public sealed record CpuRates(string Dtype, double SftTrain, double Rollout, double GrpoTrain, double Sampling, double CeForward, double OptimizerSeconds);

    public static JsonObject ToJson(IReadOnlyList<ProjectedPhase> phases) => new()
    {
        ["phases"] = new JsonArray(phases.Select(p => (JsonNode)new JsonObject
        {
            ["name"] = p.Name, ["count"] = p.Count, ["flops"] = p.Flops, ["gpu_hours"] = p.GpuHours, ["cpu_days"] = p.CpuDays,
        }).ToArray()),
        ["total_flops"] = phases.Sum(p => p.Flops), ["total_gpu_hours"] = phases.Sum(p => p.GpuHours), ["total_cpu_days"] = phases.Sum(p => p.CpuDays),
    };
}
