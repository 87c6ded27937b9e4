using Reproduction.Data;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Sft;
using Reproduction.Text;
using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments;

/// <summary>What every experiment verb (study, sft, grpo, eval) needs first: data, the task encoder, the starting model.</summary>
public static class TaskSetup
{
    /// <summary>
    /// The train/test split: `cola` (the paper's in_domain_train / in_domain_dev, shipped), `synthetic` (the grammar with
    /// the spec's sizes and seed), or a path to a CoLA release folder (raw/ layout) or a GLUE folder (train.tsv/dev.tsv).
    /// </summary>
    public static (List<ColaExample> Train, List<ColaExample> Test) LoadData(DataSpec spec, string? data = null, bool lenient = false, Action<string>? warn = null)
    {
        data ??= spec.Path ?? spec.Kind;
        if (data == "cola") return (ColaDataset.PaperTrain().ToList(), ColaDataset.PaperTest().ToList());
        if (data == "synthetic")
        {
            var d = SyntheticColaGenerator.Generate(spec.Synthetic());
            return (d.TrainExamples.ToList(), d.TestExamples.ToList());
        }
        if (!Directory.Exists(data)) throw ReproException.ForFile(data, "--data: not 'cola', 'synthetic' or an existing folder");
        if (File.Exists(Path.Combine(data, "train.tsv")))
        {
            var glue = new[] { GlueColaFile.Train, GlueColaFile.Dev }.Select(f => ColaLoader.LoadGlue(data, f, lenient)).ToArray();
            foreach (var r in glue.Where(r => r.Skipped.Count > 0)) warn?.Invoke($"{r.Path}: skipped {r.Skipped.Count} malformed rows (--lenient)");
            return (glue[0].Examples.ToList(), glue[1].Examples.ToList());
        }
        return (ColaDataset.PaperTrain(data, lenient, warn).ToList(), ColaDataset.PaperTest(data, lenient, warn).ToList());
    }

    /// <summary>The encoder of a preset: the full Qwen3 vocabulary, or the subset of ids the task's texts use.</summary>
    public static ColaTaskEncoder Encoder(StudyPreset preset, Qwen3Tokenizer tokenizer, ColaTaskFormatter formatter, IReadOnlyList<ColaExample> all)
    {
        var full = new ColaTaskEncoder(tokenizer, formatter);
        if (preset.Model.Vocabulary != "subset") return full;
        var texts = all.SelectMany(e => new[] { full.SftPromptText(e), full.SftCompletionText(e), full.RlPromptText(e), full.SftCompletionText(e with { Label = 1 - e.Label }) })
            .Concat(preset.Base is { } b ? BaseModelRecipe.Texts(full, b, BaseModelRecipe.Sentences(b, preset.Data, all)) : []);
        var sp = tokenizer.SpecialTokens;
        var subset = VocabularySubset.Build(texts.SelectMany(tokenizer.Encode), [sp.ImEnd, sp.EndOfText, sp.ImStart, sp.Think, sp.EndThink]);
        return new ColaTaskEncoder(tokenizer, formatter, subset);
    }

    /// <summary>The encoder for a saved model folder: its tokenizer files (else the shipped ones) and its vocab_subset.json if any.</summary>
    public static ColaTaskEncoder EncoderForModel(string modelDir)
    {
        var tokenizer = File.Exists(Path.Combine(modelDir, "tokenizer.json")) ? Qwen3Tokenizer.Load(modelDir) : Qwen3Tokenizer.LoadDefault();
        return new ColaTaskEncoder(tokenizer, ColaTaskFormatter.ColaRl, VocabularySubset.LoadFrom(modelDir));
    }

    /// <summary>
    /// The preset's starting model for a seed: a pretrained folder; the shipped base of that seed (bases/PRESET/seed-N,
    /// hashes checked); or, for a seed with none, a fresh tiny Qwen3 pre-trained here by the base recipe.
    /// </summary>
    public static Qwen3ForCausalLM BaseModel(StudyPreset preset, ColaTaskEncoder encoder, IReadOnlyList<ColaExample> train, int seed, string? metricsDir, Action<string> log)
    {
        var dtype = Dtype(preset);
        if (preset.Model.Source == "pretrained")
        {
            var modelSpec = preset.Model.Path ?? throw new ReproException($"preset {preset.Name}: model.path is required for a pretrained model");
            var path = IO.HubModelSource.Resolve(modelSpec, log);
            var pretrained = Qwen3ForCausalLM.FromPretrained(path, dtype, cuda_is_available() ? CUDA : CPU);
            log($"seed {seed}: base = {path}");
            return pretrained;
        }
        if (preset.Base is { } spec)
        {
            if (ShippedBase.Find(preset, seed, out var why) is { } folder)
            {
                log($"seed {seed}: base = shipped {folder} (sha256 verified)");
                return ShippedBase.Load(folder, encoder, dtype);
            }
            // The same recipe in another dtype made the same base: load it in this run's dtype, as transformers loads a
            // checkpoint with another torch_dtype, instead of pre-training one again.
            foreach (var made in IO.DtypeNames.TrainingNames.Where(d => IO.DtypeNames.Parse(d) != dtype))
                if (ShippedBase.Find(preset with { Model = preset.Model with { Dtype = made } }, seed, out _) is { } other)
                {
                    log($"seed {seed}: base = shipped {other} (sha256 verified; made in {made}, loaded as {preset.Model.Dtype})");
                    return ShippedBase.Load(other, encoder, dtype);
                }
            log($"seed {seed}: {why}: pre-training it with the preset's recipe ({spec.Steps} steps)");
            var model = InitializedModel(preset, encoder, seed);
            using (TrainingProgress.Enter($"seed {seed} · base", counted: false)) Pretrain(model, spec, preset, encoder, train, seed, metricsDir, log);
            return model;
        }
        return InitializedModel(preset, encoder, seed);
    }

    /// <summary>The preset's model dtype, honoured or refused.</summary>
    public static ScalarType Dtype(StudyPreset preset) => IO.DtypeNames.ParseTraining(preset.Model.Dtype, $"preset {preset.Name}: model.dtype");

    /// <summary>A fresh Qwen3 from the preset's config and the seed (vocabulary from the encoder).</summary>
    public static Qwen3ForCausalLM InitializedModel(StudyPreset preset, ColaTaskEncoder encoder, int seed)
    {
        var config = Qwen3Config.Parse(ConfigJson(preset, encoder), $"preset {preset.Name}: model.config");
        var generation = new GenerationConfig { EosTokenIds = encoder.StopIds, PadTokenId = encoder.PadId };
        return Qwen3ForCausalLM.Initialize(config, (ulong)seed, Dtype(preset), generationConfig: generation);
    }

    /// <summary>The base recipe (<see cref="BaseModelRecipe"/>): each phase in turn on its own draw of labels and formats.</summary>
    public static void Pretrain(Qwen3ForCausalLM model, BaseSpec spec, StudyPreset preset, ColaTaskEncoder encoder, IReadOnlyList<ColaExample> train, int seed, string? metricsDir, Action<string> log,
        Action<int, Qwen3ForCausalLM>? afterPhase = null)
    {
        var (_, test) = LoadData(preset.Data);
        var sentences = BaseModelRecipe.Sentences(spec, preset.Data, train.Concat(test));
        void Run(BasePhase phase, string purpose, string label)
        {
            int phaseSeed = Seeds.Derive(seed, purpose);
            var corpus = BaseModelRecipe.Corpus(encoder, sentences, spec, phase, (ulong)phaseSeed);
            var options = new SftOptions
            {
                MaxSteps = phase.Steps, LearningRate = phase.LearningRate, PerDeviceTrainBatchSize = phase.BatchSize, GradientAccumulationSteps = 1,
                WarmupRatio = phase.WarmupRatio, LrSchedulerType = "cosine", EvalSteps = 0, Seed = phaseSeed, MaxLength = preset.Sft.MaxLength,
            };
            var metrics = metricsDir is null ? null : MetricsLog.InRunFolder(metricsDir, $"seed-{seed}-base-{label.Replace(' ', '-')}.jsonl");
            new SftTrainer(model, options, corpus, null, encoder.PadId) { Metrics = metrics, ProgressStage = $"base {label}" }.Train();
            log($"seed {seed}: base {label} done ({phase.Steps} steps, label accuracy {phase.LabelAccuracy})");
        }
        for (int i = 0; i < spec.Phases.Count; i++)
        {
            Run(spec.Phases[i], $"base/phase-{i}", spec.Phases[i].Name.Length > 0 ? spec.Phases[i].Name : $"phase {i}");
            afterPhase?.Invoke(i, model);
        }
        int steps = spec.Steps;
        if (spec.Extension is { } extension)
        {
            var probe = BaseModelRecipe.ProbeSentences(spec, preset.Data, train.Concat(test).Concat(sentences), extension.ProbeSize);
            for (int round = 1; ; round++)
            {
                var belief = LabelProbe.Belief(model, encoder, probe, LabelProbe.Format.Rl, spec.Thoughts[0]);
                bool more = belief.Auc < extension.UntilProbeAuc && round <= extension.MaxRounds;
                log($"seed {seed}: base probe label AUC {belief.Auc:F3} (argmax accuracy {belief.ArgmaxAccuracy:P1}) on {probe.Count} fresh sentences, bar {extension.UntilProbeAuc:F3}: " +
                    (belief.Auc >= extension.UntilProbeAuc ? "met" : more ? $"extension round {round} of at most {extension.MaxRounds}" : $"not met after {extension.MaxRounds} rounds"));
                if (!more) break;
                for (int j = 0; j < extension.Phases.Count; j++)
                {
                    var phase = extension.Phases[j];
                    Run(phase, $"base/extension-{round}/phase-{j}", $"extension {round} {(phase.Name.Length > 0 ? phase.Name : $"phase {j}")}");
                    steps += phase.Steps;
                }
            }
        }
        log($"seed {seed}: base model pre-trained ({steps} steps on {sentences.Count} fresh sentences, {model.Config.VocabSize}-token vocabulary, {model.parameters().Sum(p => p.numel()):N0} parameters)");
    }

    private static string ConfigJson(StudyPreset preset, ColaTaskEncoder encoder)
    {
        var c = (preset.Model.Config ?? throw new ReproException($"preset {preset.Name}: model.config is required for an initialised model")).DeepClone().AsObject();
        c["model_type"] ??= "qwen3";
        // A subset sets the size; the full vocabulary keeps a config's own (Qwen3-0.6B pads 151,669 ids to 151,936 rows).
        int tokenizerIds = encoder.Tokenizer.VocabularySize;
        if (encoder.Subset is { } subset) c["vocab_size"] = subset.Count;
        else if (c["vocab_size"] is { } given)
        {
            // Parsed from the JSON text: a node made in code holds an int or a long, which GetValue<double> refuses.
            double rows = 0;
            bool number = given.GetValueKind() == System.Text.Json.JsonValueKind.Number
                && double.TryParse(given.ToJsonString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out rows);
            if (!number || rows < tokenizerIds || rows % 1 != 0)
                throw new ReproException($"preset {preset.Name}: model.config.vocab_size: must be an integer ≥ the tokenizer's {tokenizerIds} ids, got {given.ToJsonString()}");
        }
        else c["vocab_size"] = tokenizerIds;
        c["eos_token_id"] = encoder.StopIds[0];
        c["pad_token_id"] = encoder.PadId;
        return c.ToJsonString();
    }

    /// <summary>A loadable model folder (config, generation config, weights, vocabulary subset), written atomically.</summary>
    public static void SaveModel(Qwen3ForCausalLM model, ColaTaskEncoder encoder, string folder)
    {
        AtomicFile.WriteFolder(folder, tmp => WriteModel(model, encoder, tmp), overwrite: true);
    }

    /// <summary>The files of <see cref="SaveModel"/>, into an existing (temporary) folder.</summary>
    public static void WriteModel(Qwen3ForCausalLM model, ColaTaskEncoder encoder, string folder)
    {
        CheckpointFolder.WriteContents(folder, model.Config.ToJson(), model.GenerationConfig.ToJson(), model.NamedWeights());
        encoder.Subset?.Save(folder);
    }
}
