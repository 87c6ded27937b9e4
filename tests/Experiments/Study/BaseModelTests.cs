using System.Text.Json.Nodes;
using Reproduction;
using Reproduction.Cli;
using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.IO;
using Reproduction.Sft;
using Reproduction.Text;

namespace Repro.Tests.Study;

/// <summary>
/// The tiny preset's base models: a recipe (skill, then calibration) that `repro pretrain` rebuilds bit for bit, shipped
/// as sealed HF folders whose recipe and hashes a study checks before use.
/// </summary>
public sealed class BaseModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-bases-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    /// <summary>tiny-smoke with a recipe small enough to run in a test: two phases of a few steps on 200 sentences.</summary>
    internal static string SmallRecipePreset(string dir)
    {
        var json = JsonNode.Parse(StudyPreset.Load("tiny-smoke").ToJson())!.AsObject();
        json["name"] = "small-recipe";
        json["base"] = JsonNode.Parse("""
            { "corpus_size": 200, "corpus_seed": 7, "hybrid_fraction": 0.3, "thoughts": ["I check the words."],
              "phases": [ { "name": "skill", "steps": 4, "learning_rate": 0.003, "batch_size": 8, "label_accuracy": 1.0 },
                          { "name": "calibration", "steps": 2, "learning_rate": 0.001, "batch_size": 8, "label_accuracy": 0.65 } ] }
            """);
        var path = Path.Combine(dir, "small-recipe.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Theory]
    [InlineData("tiny", 1)]
    [InlineData("tiny", 2)]
    [InlineData("tiny", 3)]
    [InlineData("tiny-smoke", 1)]
    public void Every_shipped_base_is_found_for_its_recipe_and_seed_with_its_hashes_verified(string preset, int seed)
    {
        var folder = ShippedBase.Find(StudyPreset.Load(preset), seed, out var why);
        Assert.True(folder is not null, why);
        Assert.Equal(Path.Combine(ShippedBase.ShippedDirectory, "tiny", $"seed-{seed}"), folder);
    }

    /// <summary>Rebuilding a shipped base runs no extension round: its label AUC on the recipe's probe sentences meets the bar.</summary>
    [Fact]
    public void Every_shipped_tiny_base_meets_its_recipes_extension_bar_so_a_rebuild_adds_no_round()
    {
        var preset = StudyPreset.Load("tiny");
        var extension = preset.Base!.Extension!;
        var ctx = new StudyContext(preset, _dir, null, _ => { });
        var sentences = BaseModelRecipe.Sentences(preset.Base, preset.Data, ctx.Train.Concat(ctx.Test));
        var probe = BaseModelRecipe.ProbeSentences(preset.Base, preset.Data, ctx.Train.Concat(ctx.Test).Concat(sentences), extension.ProbeSize);
        Assert.Equal(extension.ProbeSize, probe.Count);
        Assert.Empty(probe.Select(e => e.Sentence).Intersect(sentences.Concat(ctx.Test).Concat(ctx.Train).Select(e => e.Sentence)));
        foreach (var seed in preset.Seeds)
        {
            using var model = Reproduction.Qwen3.Qwen3ForCausalLM.FromPretrained(ShippedBase.Find(preset, seed, out var why) ?? throw new InvalidOperationException(why));
            var auc = LabelProbe.Belief(model, ctx.Encoder, probe, LabelProbe.Format.Rl, preset.Base.Thoughts[0]).Auc;
            Assert.True(auc >= extension.UntilProbeAuc, $"seed {seed}: probe AUC {auc:F3} under the bar {extension.UntilProbeAuc}");
        }
    }

    [Fact]
    public void A_modified_weight_file_is_refused_with_an_error_naming_it()
    {
        var root = Path.Combine(_dir, "root");
        var copy = Path.Combine(root, "tiny", "seed-1");
        Directory.CreateDirectory(copy);
        foreach (var f in Directory.GetFiles(Path.Combine(ShippedBase.ShippedDirectory, "tiny", "seed-1"))) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        var weights = Path.Combine(copy, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0x01;
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<ReproException>(() => ShippedBase.Find(StudyPreset.Load("tiny"), 1, out _, root));
        Assert.Contains(weights, e.Message);
        Assert.Contains("sha256 mismatch", e.Message);
    }

    [Fact]
    public void A_run_in_another_dtype_loads_the_shipped_base_in_that_dtype_instead_of_pre_training_one_again()
    {
        var tiny = StudyPreset.Load("tiny");
        var bf16 = tiny with { Model = tiny.Model with { Dtype = "bfloat16" } };
        Assert.Null(ShippedBase.Find(bf16, 1, out _));                                      // the shipped bases were made in float32
        var folder = ShippedBase.Find(tiny, 1, out var why) ?? throw new InvalidOperationException(why);
        var log = new List<string>();
        using var model = TaskSetup.BaseModel(bf16, TaskSetup.EncoderForModel(folder), [], 1, null, log.Add);
        Assert.Equal($"seed 1: base = shipped {folder} (sha256 verified; made in float32, loaded as bfloat16)", Assert.Single(log));
        Assert.All(model.parameters(), p => Assert.Equal(TorchSharp.torch.ScalarType.BFloat16, p.dtype));
    }

    [Fact]
    public void A_preset_whose_recipe_changed_does_not_use_a_base_made_by_the_old_one()
    {
        var tiny = StudyPreset.Load("tiny");
        var changed = tiny with { Base = tiny.Base! with { CorpusSeed = tiny.Base.CorpusSeed + 1 } };
        Assert.Null(ShippedBase.Find(changed, 1, out var why));
        Assert.Contains("recipe", why);
        Assert.Null(ShippedBase.Find(tiny, 999, out why));
        Assert.Contains("no shipped base for seed 999", why);
    }

    [Fact]
    public void Pretrain_rebuilds_a_base_bit_for_bit_from_the_same_seed_and_seals_it_so_a_study_finds_it()
    {
        var preset = SmallRecipePreset(_dir);
        string Build(string root, int seed)
        {
            Assert.Equal(0, ReproCli.Run(["pretrain", "--preset", preset, "--seeds", seed.ToString(), "--out", root]));
            return Path.Combine(root, "small-recipe", $"seed-{seed}");
        }
        var a = Build(Path.Combine(_dir, "a"), 5);
        var b = Build(Path.Combine(_dir, "b"), 5);
        var c = Build(Path.Combine(_dir, "c"), 6);
        Assert.Equal(File.ReadAllText(Path.Combine(a, ShippedBase.SumsFile)), File.ReadAllText(Path.Combine(b, ShippedBase.SumsFile)));
        Assert.NotEqual(Sha256Sums.Of(Path.Combine(a, "model.safetensors")), Sha256Sums.Of(Path.Combine(c, "model.safetensors")));
        Assert.Equal(a, ShippedBase.Find(StudyPreset.Load(preset), 5, out _, Path.Combine(_dir, "a")));
        Sha256Sums.Load(Path.Combine(a, ShippedBase.SumsFile)).VerifyAll();
    }

    [Fact]
    public void Pretrain_refuses_a_preset_without_a_base_recipe_with_exit_code_2()
    {
        Assert.Equal(2, ReproCli.Run(["pretrain", "--preset", "qwen3-0.6b", "--out", _dir]));
    }

    [Fact]
    public void The_skill_phase_teaches_true_labels_and_the_calibration_phase_the_stated_share_of_them()
    {
        var preset = StudyPreset.Load("tiny");
        var (train, test) = TaskSetup.LoadData(preset.Data);
        var encoder = TaskSetup.Encoder(preset, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, train.Concat(test).ToList());
        var sentences = BaseModelRecipe.Sentences(preset.Base!, preset.Data, train.Concat(test));
        Assert.Equal(preset.Base!.CorpusSize, sentences.Count);
        Assert.Empty(sentences.Select(s => s.Sentence).Intersect(train.Concat(test).Select(e => e.Sentence)));   // none of the study's sentences

        double TrueShare(BasePhase phase)
        {
            var corpus = BaseModelRecipe.Corpus(encoder, sentences, preset.Base, phase, seed: 11);
            int Label(SftExample x) => encoder.Decode(x.CompletionIds).EndsWith(encoder.Formatter.LabelText(0), StringComparison.Ordinal) ? 0 : 1;
            return corpus.Zip(sentences, (x, e) => Label(x) == e.Label ? 1.0 : 0.0).Average();
        }
        Assert.Equal(1.0, TrueShare(preset.Base.Phases[0]));
        Assert.InRange(TrueShare(preset.Base.Phases[1]), 0.63, 0.67);          // 20,000 draws at 0.65: sd 0.0034
    }
}
