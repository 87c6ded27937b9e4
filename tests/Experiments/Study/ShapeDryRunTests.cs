using System.Text.Json.Nodes;
using Reproduction.Cli;
using Repro.Tests.Cli;
using Reproduction.Experiments;
using Reproduction.Reporting;

namespace Repro.Tests.Study;

/// <summary>
/// The full-size path at Qwen3-0.6B's exact shape (preset qwen3-0.6b-shape: random weights, the real tokenizer and
/// CoLA prompts): `repro study` runs every stage within the preset's memory bound and writes what a real run writes.
/// The run itself is a Long test with its own trait (`Shape`) and CI job; the memory bound's error is checked fast on
/// the tiny-smoke preset.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ShapeDryRunTests : IDisposable
{
    public const string Trait = "Shape", Preset = "qwen3-0.6b-shape";
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-shape-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    [Trait("Category", LongRun.Category)]
    [Trait(Trait, Preset)]
    public void At_Qwen3_0_6Bs_exact_shape_the_study_runs_every_stage_within_its_memory_bound_and_writes_the_run_folder()
    {
        LongRun.RequireOptIn("tests/Experiments/Repro.Tests.Experiments.csproj");
        var cola = SharedData.Require("data", "cola");
        var shipped = StudyPreset.Load(Preset);
        var preset = shipped with { Data = shipped.Data with { Path = cola } };
        var run = Path.Combine(_dir, "run");

        var report = new StudyRunner(preset, run, preset.Seeds, line => TestContext.Current.SendDiagnosticMessage(line)).Run();

        // The model written at every stage boundary has the preset's exact config (28 layers, 151,936 rows, tied).
        var config = preset.Model.Config!;
        foreach (var stage in new[] { "base", "sft-then-rl/after-sft", "sft-then-rl/after-grpo", "rl-then-sft/after-grpo", "rl-then-sft/after-sft" })
        {
            var written = JsonNode.Parse(File.ReadAllText(Path.Combine(run, $"seed-{preset.Seeds[0]}", stage, "config.json")))!.AsObject();
            foreach (var key in new[] { "num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings" })
                Assert.Equal(config[key]!.ToJsonString(), written[key]!.ToJsonString());
            Assert.True(new FileInfo(Path.Combine(run, $"seed-{preset.Seeds[0]}", stage, "model.safetensors")).Length > 0, $"{stage}: no weights");
        }
        foreach (var f in new[] { RunReport.FileName, ReportMarkdown.FileName, Figure3.FileA, Figure3.FileB })
            Assert.True(File.Exists(Path.Combine(run, f)), $"missing {f}");

        // Both pipelines ran the preset's step counts, with finite curves at each evaluation point.
        int sft = preset.Sft.MaxSteps, rl = preset.RlStage.MaxSteps;
        Assert.Equal([("sft", sft), ("grpo", rl)], report.Pipeline(PaperClaim.SftThenRl).Stages.Select(s => (s.Name, s.Steps)));
        Assert.Equal([("grpo", rl), ("sft", sft)], report.Pipeline(PaperClaim.RlThenSft).Stages.Select(s => (s.Name, s.Steps)));
        Assert.All(report.Pipelines.SelectMany(p => p.Curves).SelectMany(c => c.Points), p => Assert.True(double.IsFinite(p.Value)));

        // Every GRPO step sampled the preset's group of full-length completions with a finite loss and gradient norm (random
        // weights earn one reward on all 16 samples, so the forced backward's gradient is 0).
        foreach (var file in Directory.GetFiles(Path.Combine(run, "metrics"), "*-grpo.jsonl"))
        {
            var steps = new Reproduction.Training.MetricsLog(file).Read().ToList();
            Assert.Equal(rl, steps.Count);
            Assert.All(steps, s => Assert.True(double.IsFinite(s["loss"]!.GetValue<double>()) && double.IsFinite(s["grad_norm"]!.GetValue<double>()), $"{Path.GetFileName(file)} step {s["step"]}"));
        }

        var peak = report.Environment["peak_rss_gib"]!.GetValue<double>();
        Assert.InRange(peak, 0.1, preset.DryRun!.MaxRssGib);
        Assert.Contains("Dry run", File.ReadAllText(Path.Combine(run, ReportMarkdown.FileName)));
    }

    [Fact]
    public void Ablate_and_the_schedule_frontier_refuse_base_on_disk_which_only_study_honours_and_write_nothing()
    {
        var preset = StudyPreset.Load("tiny-smoke") with { DryRun = new DryRunSpec { BaseOnDisk = true } };
        var ablate = Path.Combine(_dir, "ablate");
        var e = Assert.Throws<Reproduction.ReproException>(() => new AblationRunner(preset, "reward", AblationRunner.Variants("reward"), ablate, [1], null, _ => { }).Run());
        Assert.Contains("dry_run.base_on_disk is honoured by `repro study` only; `repro ablate`", e.Message);
        var frontier = Path.Combine(_dir, "frontier");
        e = Assert.Throws<Reproduction.ReproException>(() => new Reproduction.Experiments.Schedules.ScheduleFrontierRunner(preset,
            Reproduction.Experiments.Schedules.ScheduleCatalog.ParseList("joint"), frontier, [1], _ => { }).Run());
        Assert.Contains("`repro frontier`", e.Message);
        Assert.False(Directory.Exists(ablate) || Directory.Exists(frontier));
    }

    [Fact]
    public void A_study_over_its_memory_bound_stops_with_an_error_naming_the_bound_and_exit_code_2()
    {
        // The tiny-smoke preset with a bound far below what any run of the program holds resident (its runtime alone).
        var path = Path.Combine(_dir, "low-bound.json");
        var preset = JsonNode.Parse(File.ReadAllText(Path.Combine(StudyPreset.ShippedDirectory, "tiny-smoke.json")),
            documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })!.AsObject();
        preset["dry_run"] = new JsonObject { ["max_rss_gib"] = 0.01 };
        File.WriteAllText(path, preset.ToJsonString());

        var e = Assert.Throws<Reproduction.ReproException>(() => new StudyRunner(StudyPreset.Load(path), Path.Combine(_dir, "direct"), [1], _ => { }).Run());
        Assert.Contains("dry_run.max_rss_gib 0.01 GiB", e.Message);
        Assert.Contains("after loading the data", e.Message);

        using var console = new ConsoleCapture();
        Assert.Equal(2, ReproCli.Run(["study", "--preset", path, "--seeds", "1", "--out", Path.Combine(_dir, "cli"), "--quiet"]));
        Assert.Contains("dry_run.max_rss_gib", console.Error.ToString());
    }

    [Theory]
    [InlineData("\"dry_run\": { \"max_rss_gib\": -1 }", "dry_run: max_rss_gib")]
    [InlineData("\"data\": { \"kind\": \"synthetic\", \"path\": \"/x\" }", "data.path")]
    [InlineData("\"data\": { \"kind\": \"cola\", \"ce_examples\": -2 }", "data.ce_examples")]
    public void A_bad_dry_run_or_data_setting_is_refused_naming_the_file_and_the_setting(string section, string setting)
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, $$"""{ "name": "bad", {{section}} }""");
        var e = Assert.Throws<Reproduction.ReproException>(() => StudyPreset.Load(path));
        Assert.StartsWith(path, e.Message);
        Assert.Contains(setting, e.Message);
    }

    [Fact]
    public void A_full_vocabulary_keeps_the_configs_padded_size_and_refuses_one_below_the_tokenizers_ids()
    {
        var shipped = StudyPreset.Load(Preset);
        var tokenizer = Reproduction.Text.Qwen3Tokenizer.LoadDefault();
        var encoder = new ColaTaskEncoder(tokenizer, Reproduction.Data.ColaTaskFormatter.ColaRl);
        // A one-layer, narrow cut of the preset's config: the vocabulary rows are what is checked, not the depth.
        var config = shipped.Model.Config!.DeepClone().AsObject();
        (config["num_hidden_layers"], config["hidden_size"], config["intermediate_size"], config["head_dim"]) = (1, 16, 32, 8);
        using var model = TaskSetup.InitializedModel(shipped with { Model = shipped.Model with { Config = config } }, encoder, 1);
        Assert.Equal(shipped.Model.Config!["vocab_size"]!.GetValue<long>(), model.Config.VocabSize);

        config["vocab_size"] = tokenizer.VocabularySize - 1;
        var e = Assert.Throws<Reproduction.ReproException>(() => TaskSetup.InitializedModel(shipped with { Model = shipped.Model with { Config = config } }, encoder, 1));
        Assert.Contains("model.config.vocab_size", e.Message);
    }
}
