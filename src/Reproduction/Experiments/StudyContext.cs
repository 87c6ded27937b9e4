using System.Text.Json.Nodes;
using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Reporting;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Reproduction.Sft;
using Reproduction.Text;
using Reproduction.Training;

namespace Reproduction.Experiments;

/// <summary>
/// What every pipeline of a study shares (`repro study`, `frontier`, `ablate`): the split and its encodings, the
/// evaluation sampler (mean@1 at the preset's T / top-p), the SFT-test cross-entropy, the theory bridge, and the
/// SFT-then-RL stages with their tracked curves.
/// </summary>
public sealed class StudyContext
{
    public StudyPreset Preset { get; }
    public string MetricsDir { get; }
    public List<ColaExample> Train { get; }
    public List<ColaExample> Test { get; }
    public ColaTaskEncoder Encoder { get; }
    /// <summary>The training sentences with the labels the SFT data gives them (<see cref="SftDataSpec"/>); the demonstrations of every schedule.</summary>
    public List<ColaExample> SftTrainExamples { get; }
    public List<SftExample> SftTrain { get; }
    /// <summary>The held-out sentences the SFT-test cross-entropy is measured on, with the SFT data's labels.</summary>
    public List<ColaExample> SftTestExamples { get; }
    public List<SftExample> SftTest { get; }
    public List<GrpoPrompt> RlTrain { get; }
    public List<GrpoPrompt> EvalSet { get; }
    public SamplingOptions Sampling { get; }
    public IReward[] EvalRewards { get; } = [new RobustColaReward(), new StrictColaReward()];
    public TheoryBridge? Bridge { get; }
    public List<BridgeRow> BridgeRows { get; } = [];
    private readonly Action<string> _log;

    public StudyContext(StudyPreset preset, string metricsDir, BridgeOptions? bridge, Action<string> log)
    {
        (Preset, MetricsDir, _log) = (preset, metricsDir, log);
        (Train, Test) = TaskSetup.LoadData(preset.Data);
        Encoder = TaskSetup.Encoder(preset, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, Train.Concat(Test).ToList());
        (SftTrainExamples, SftTestExamples) = SftSplits(preset, Train, Test);
        SftTrain = SftTrainExamples.Select(SftExampleOf).ToList();
        SftTest = SftTestExamples.Select(SftExampleOf).ToList();
        RlTrain = Train.Select(Encoder.Rl).ToList();
        EvalSet = Test.Take(preset.Data.EvalPrompts > 0 ? preset.Data.EvalPrompts : Test.Count).Select(Encoder.Rl).ToList();
        Sampling = new SamplingOptions
        {
            DoSample = true, Temperature = preset.Eval.Temperature, TopP = preset.Eval.TopP, TopK = 0,
            MaxNewTokens = preset.Eval.MaxNewTokens, EosTokenIds = Encoder.StopIds, PadTokenId = Encoder.PadId,
        };
        Bridge = bridge is null ? null : new TheoryBridge(bridge with { MaxNewTokens = preset.Grpo.MaxCompletionLength }, Encoder.PadId, Encoder.StopIds, Encoder.Decode);
        log($"data: {Train.Count} train / {Test.Count} test ({preset.Data.Kind}); vocabulary: {(Encoder.Subset is null ? "full" : $"{Encoder.Subset.Count}-token subset of Qwen3's")}; mean@1 on {EvalSet.Count} prompts × {preset.Eval.SamplesPerPrompt} samples; SFT-test CE on {SftTest.Count} examples");
    }

    /// <summary>
    /// Stops the run with an error when the process's peak resident memory is over the preset's dry_run.max_rss_gib
    /// (<paramref name="where"/> says what ran last); nothing without a bound.
    /// </summary>
    public void CheckMemory(string where)
    {
        if (Preset.DryRun is not { MaxRssGib: > 0 } dry) return;
        var peak = Runtime.ProcessMemory.PeakResidentBytes();
        if (peak is { } bytes && bytes > dry.MaxRssGib * (1L << 30))
            throw new ReproException($"preset {Preset.Name}: peak resident memory {bytes / (double)(1L << 30):F2} GiB is over dry_run.max_rss_gib {dry.MaxRssGib} GiB (after {where}); stopping");
    }

    /// <summary>Whether GRPO skips the backward of an all-zero-advantage batch (not in a dry run that forces it).</summary>
    public bool SkipZeroGradientBackward => Preset.DryRun?.ForceGrpoBackward != true;

    public void Log(string message) => _log(message);

    /// <summary>
    /// The SFT data of a preset (what the study's SFT stages and `repro sft --preset` train and measure on): the training
    /// split and the first data.ce_examples test sentences, each with the labels of the preset's sft_data.
    /// </summary>
    public static (List<ColaExample> Train, List<ColaExample> Test) SftSplits(StudyPreset preset, IReadOnlyList<ColaExample> train, IReadOnlyList<ColaExample> test) =>
        (SftLabelled(train, preset.SftData, "train"),
         SftLabelled(test, preset.SftData, "test").Take(preset.Data.CeExamples > 0 ? preset.Data.CeExamples : test.Count).ToList());

    /// <summary>
    /// A split with the labels of the SFT data: the truth; with labels "prior", each drawn from the training split's label
    /// prior (the train split only: the SFT test targets stay true, so the CE still scores the truth); with label_accuracy
    /// p &lt; 1, each sentence's true label flipped with probability 1 − p, from a stream of its own per split.
    /// </summary>
    public static List<ColaExample> SftLabelled(IReadOnlyList<ColaExample> split, SftDataSpec spec, string splitName)
    {
        static ColaExample With(ColaExample e, bool acceptable) => e with { Label = acceptable ? ColaExample.Acceptable : ColaExample.Unacceptable };
        if (spec.Labels == "prior" && splitName == "train")
        {
            var prior = new Data.SplitMix64((ulong)Seeds.Derive(0, "sft_data/prior-labels"));
            double acceptable = split.Average(e => e.Label == ColaExample.Acceptable ? 1.0 : 0.0);
            return split.Select(e => With(e, prior.NextBool(acceptable))).ToList();
        }
        if (spec.LabelAccuracy < 1)
        {
            var annotators = new Data.SplitMix64((ulong)Seeds.Derive(0, $"sft_data/annotated-labels/{splitName}"));
            return split.Select(e => annotators.NextBool(spec.LabelAccuracy) ? e : With(e, e.Label != ColaExample.Acceptable)).ToList();
        }
        return split.ToList();
    }

    /// <summary>An SFT example in the format of the preset's SFT data (the paper's, or the RL format as a planted cause).</summary>
    public SftExample SftExampleOf(ColaExample e) => SftExampleOf(Encoder, Preset, e);

    /// <summary><see cref="SftExampleOf(ColaExample)"/> for any encoder and preset (`repro sft` builds its data with it).</summary>
    public static SftExample SftExampleOf(ColaTaskEncoder encoder, StudyPreset preset, ColaExample e) => preset.SftData.Format == "rl"
        ? new SftExample(encoder.Ids(encoder.RlPromptText(e)), encoder.Ids(LabelProbe.RlAnswer(encoder, (preset.Base ?? new BaseSpec()).Thoughts[0], e.Label)))
        : encoder.Sft(e);

    /// <summary>The prompt of an example in the format the SFT data uses (what the mechanism table's format row asks in).</summary>
    public GrpoPrompt SftDataPrompt(ColaExample e) => new(SftExampleOf(e).PromptIds.ToArray(), Encoder.Formatter.GroundTruth(e));

    /// <summary>The held-out sentences mean@1 is measured on.</summary>
    public IReadOnlyList<ColaExample> EvalExamples => Test.Take(Preset.Data.EvalPrompts > 0 ? Preset.Data.EvalPrompts : Test.Count).ToList();

    /// <summary>The run folder (the parent of metrics/).</summary>
    public string RunFolder => Path.GetDirectoryName(Path.GetFullPath(MetricsDir)) ?? MetricsDir;

    /// <summary>A training metrics file in metrics/, mirrored to tensorboard/ (<see cref="MetricsLog.InRunFolder"/>).</summary>
    public MetricsLog Metrics(string fileName) => MetricsLog.InRunFolder(MetricsDir, fileName);

    /// <summary>The TensorBoard run of a pipeline's evaluation curves (<see cref="Tracker"/>): tensorboard/NAME-eval.</summary>
    public TensorBoardLog EvalBoard(string name) => TensorBoardLog.InRunFolder(RunFolder, $"{name}-eval");

    public double Ce(Qwen3ForCausalLM model) =>
        CrossEntropy.Evaluate(model, SftTest, Encoder.PadId, Preset.Sft.MaxLength, Preset.Sft.PerDeviceEvalBatchSize).MeanTokenNll;

    /// <summary>The bridge's prompt sets for a seed (empty without a bridge).</summary>
    public IReadOnlyList<TheoryBridge.PromptSet> BridgeSets(int seed) =>
        Bridge is null ? [] : TheoryBridge.PromptSets(Encoder, Train, Test, SftTrainExamples, SftTestExamples, seed, Bridge.Options.Prompts);

    /// <summary>
    /// Starts measuring a second stage of <paramref name="length"/> steps from <paramref name="p1"/> (null without a bridge);
    /// <see cref="BridgeAt"/> then measures at the evaluation points at or just past each 1/K of the stage.
    /// </summary>
    public BridgeStage? StartBridge(Qwen3ForCausalLM p1, string pipeline, int seed, double? beta, IReward reward, int boundary, int length) =>
        Bridge is null ? null : new BridgeStage(Bridge.Start(p1, pipeline, seed, beta, reward, BridgeSets(seed)), boundary, length, Bridge.Options.Checkpoints);

    public void BridgeAt(BridgeStage? stage, Qwen3ForCausalLM p2, long globalStep)
    {
        if (stage is null || Bridge is null || !stage.Due((int)globalStep)) return;
        var rows = Bridge.Measure(stage.Reference, p2, (int)globalStep - stage.Boundary);
        lock (BridgeRows) BridgeRows.AddRange(rows);
        var sft = rows[0];
        Log($"seed {stage.Reference.Seed}: bridge {stage.Reference.Pipeline} +{(int)globalStep - stage.Boundary}: C1 {sft.C1}, KL(p1‖p2) {sft.KlP1P2}, KL(p2‖p1) {sft.KlP2P1}, ΔJ {sft.DeltaJ} [{sft.Prompts}]");
    }

    /// <summary>The checkpoints of one second stage still to be measured.</summary>
    public sealed class BridgeStage(TheoryBridge.Reference reference, int boundary, int length, int checkpoints)
    {
        private int _next = 1;
        public TheoryBridge.Reference Reference => reference;
        public int Boundary => boundary;

        public bool Due(int globalStep)
        {
            int s = globalStep - boundary;
            if (_next > checkpoints || s <= 0 || s < (int)Math.Ceiling(length * (double)_next / checkpoints)) return false;
            while (_next <= checkpoints && s >= (int)Math.Ceiling(length * (double)_next / checkpoints)) _next++;
            return true;
        }
    }

    /// <summary>
    /// The curves of one model along a pipeline: SFT-test CE, and (when tracked) robust and strict mean@1. Every evaluation
    /// of a pipeline samples with the same seed (common random numbers): an unchanged model scores exactly the same, so
    /// a change between two points is the model's, not the sampler's, and a fork continues as its parent would.
    /// Each point is also written to <see cref="Board"/> when there is one (tags: the report's metric names).
    /// </summary>
    public sealed class Tracker(StudyContext ctx, Qwen3ForCausalLM model, int seedBase, bool rewards)
    {
        public List<CurvePoint> Ce { get; private init; } = [];
        public List<CurvePoint> Robust { get; private init; } = [];
        public List<CurvePoint> Strict { get; private init; } = [];
        public Qwen3ForCausalLM Model => model;

        /// <summary>The TensorBoard run of these curves, or null.</summary>
        public TensorBoardLog? Board { get; init; }

        public void AddCe(long step, double value)
        {
            Ce.Add(new CurvePoint((int)step, value));
            Board?.Write(new JsonObject { ["step"] = step, [StudyRunner.CeMetric] = value });
        }

        public void AddCe(long step)
        {
            AddCe(step, ctx.Ce(model));
            ctx.CheckMemory($"the SFT-test CE at step {step}");
        }

        public void Rewards(long step)
        {
            if (!rewards) return;
            var r = RewardEvaluation.Evaluate(model, ctx.EvalSet, ctx.Encoder.Decode, ctx.EvalRewards,
                ctx.Sampling with { Seed = (ulong)seedBase }, ctx.Preset.Eval.SamplesPerPrompt, ctx.Preset.Eval.BatchSize);
            Robust.Add(Point(step, r["robust_cola"]));
            Strict.Add(Point(step, r["strict_cola"]));
            Board?.Write(new JsonObject { ["step"] = step, [StudyRunner.RobustMetric] = Robust[^1].Value, [StudyRunner.StrictMetric] = Strict[^1].Value });
            ctx.CheckMemory($"the mean@1 evaluation at step {step}");
        }

        private static CurvePoint Point(long step, RewardSummary s) => new((int)step, s.Mean, s.CiLow, s.CiHigh);

        /// <summary>A copy of the curves so far, tracking another model (a branch from the same checkpoint), written from now on to <paramref name="board"/>.</summary>
        public Tracker Fork(Qwen3ForCausalLM branch, TensorBoardLog? board = null) =>
            new(ctx, branch, seedBase, rewards) { Ce = [.. Ce], Robust = [.. Robust], Strict = [.. Strict], Board = board };

        /// <summary>A tracker that continues curves measured before (a pipeline prefix reused from the stage cache).</summary>
        public static Tracker Restored(StudyContext ctx, Qwen3ForCausalLM model, int seedBase, bool rewards,
            IEnumerable<CurvePoint> ce, IEnumerable<CurvePoint> robust, IEnumerable<CurvePoint> strict, TensorBoardLog? board) =>
            new(ctx, model, seedBase, rewards) { Ce = [.. ce], Robust = [.. robust], Strict = [.. strict], Board = board };

        /// <summary>Writes points [from, to) (counts of CE, robust and strict points) to <paramref name="board"/> as they were written when measured.</summary>
        public void Replay(TensorBoardLog? board, IReadOnlyList<int> from, IReadOnlyList<int> to)
        {
            if (board is null) return;
            for (int k = from[0]; k < to[0]; k++) board.Write(new JsonObject { ["step"] = Ce[k].Step, [StudyRunner.CeMetric] = Ce[k].Value });
            for (int k = from[1]; k < to[1] && k < Strict.Count; k++)
                board.Write(new JsonObject { ["step"] = Robust[k].Step, [StudyRunner.RobustMetric] = Robust[k].Value, [StudyRunner.StrictMetric] = Strict[k].Value });
        }

        public IEnumerable<Curve> Curves(int seed, int? boundary = null)
        {
            yield return new Curve(StudyRunner.CeMetric, seed, Ce, boundary);
            if (!rewards) yield break;
            yield return new Curve(StudyRunner.RobustMetric, seed, Robust, boundary);
            yield return new Curve(StudyRunner.StrictMetric, seed, Strict, boundary);
        }
    }
}
