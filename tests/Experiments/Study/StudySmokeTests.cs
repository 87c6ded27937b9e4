using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Reproduction.Cli;
using Reproduction.Experiments;
using Reproduction.Gating;
using Reproduction.Reporting;
using Snapshooter.Xunit3;

namespace Repro.Tests.Study;

/// <summary>Runs the tiny-smoke preset once (from the shipped seed-1 base) for every test of the class.</summary>
public sealed class SmokeStudyFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("repro-study-smoke-").FullName;
    public RunReport Report { get; }

    public SmokeStudyFixture()
    {
        var preset = StudyPreset.Load("tiny-smoke");
        Report = new StudyRunner(preset, Dir, [1], _ => { }).Run();
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

/// <summary>Alone: the torch thread count is process-wide, and the reference comparison needs the fixture's to hold throughout.</summary>
[CollectionDefinition(nameof(StudySmokeTests), DisableParallelization = true)]
public sealed class StudySmokeCollection;

/// <summary>
/// Both pipelines end to end on CPU: the run folder holds what the README promises, the report reads the same
/// (numbers scrubbed), and the regression gate passes on the run and fails on perturbed or flipped copies.
/// </summary>
[Collection(nameof(StudySmokeTests))]
public sealed class StudySmokeTests(SmokeStudyFixture run) : IClassFixture<SmokeStudyFixture>
{
    /// <summary>The numbers did not move: every curve point, stage length and mechanism entry equals the recorded reference to the last digit.</summary>
    [Fact]
    public void Every_curve_point_stage_length_and_mechanism_entry_equals_the_recorded_reference() =>
        StudyReference.Check(run.Report);

    [Fact]
    public void The_run_folder_holds_report_figures_metrics_and_a_model_at_every_stage_boundary()
    {
        foreach (var f in new[] { "report.json", "report.md", "preset.json", Figure3.FileA, Figure3.FileB })
            Assert.True(File.Exists(Path.Combine(run.Dir, f)), $"missing {f}");
        var metrics = Directory.GetFiles(Path.Combine(run.Dir, "metrics")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(["seed-1-rl-then-sft-grpo.jsonl", "seed-1-rl-then-sft-sft.jsonl",
                      "seed-1-sft-then-rl-grpo.jsonl", "seed-1-sft-then-rl-sft.jsonl"], metrics);       // the base is shipped: no pre-training log
        foreach (var stage in new[] { "base", "sft-then-rl/after-sft", "sft-then-rl/after-grpo", "rl-then-sft/after-grpo", "rl-then-sft/after-sft" })
            foreach (var f in new[] { "config.json", "generation_config.json", "model.safetensors", "vocab_subset.json" })
                Assert.True(File.Exists(Path.Combine(run.Dir, "seed-1", stage, f)), $"missing seed-1/{stage}/{f}");
    }

    [Fact]
    public void Every_metrics_file_and_every_pipelines_evaluation_curves_have_a_tensorboard_run_with_their_values()
    {
        var metricsFiles = Directory.GetFiles(Path.Combine(run.Dir, "metrics"));
        var runs = Directory.GetDirectories(Path.Combine(run.Dir, Reproduction.Training.TensorBoardLog.FolderName)).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(metricsFiles.Select(Path.GetFileNameWithoutExtension).Concat(["seed-1-rl-then-sft-eval", "seed-1-sft-then-rl-eval"]).Order(), runs);

        foreach (var file in metricsFiles)
        {
            var expected = new Reproduction.Training.MetricsLog(file).Read().SelectMany(line => line
                .Where(kv => kv.Key != "step" && kv.Value is JsonValue v && v.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                .Select(kv => (kv.Key, line["step"]!.GetValue<long>(), (float)kv.Value!.GetValue<double>())));
            var board = TensorBoardEvents.ScalarsOf(Path.Combine(run.Dir, "tensorboard", Path.GetFileNameWithoutExtension(file)));
            Assert.Equal(expected, board.Select(s => (s.Tag, s.Step, s.Value)));
        }

        var robust = run.Report.Pipeline(PaperClaim.RlThenSft).CurvesOf(StudyRunner.RobustMetric).Single().Points;
        var eval = TensorBoardEvents.ScalarsOf(Path.Combine(run.Dir, "tensorboard", "seed-1-rl-then-sft-eval")).Where(s => s.Tag == StudyRunner.RobustMetric);
        Assert.Equal(robust.Select(p => ((long)p.Step, (float)p.Value)), eval.Select(s => (s.Step, s.Value)));
    }

    [Fact]
    public void The_report_has_the_same_structure_with_numbers_scrubbed()
    {
        var md = File.ReadAllText(Path.Combine(run.Dir, ReportMarkdown.FileName));
        md = md[..md.IndexOf("## Environment", StringComparison.Ordinal)];                 // versions and dates vary
        var scrubbed = Regex.Replace(md, @"[+-]?\d+(\.\d+)?", "#");
        scrubbed = Regex.Replace(scrubbed, @"\*\*(Observed\.|Not observed\.|Observed in the mean[^*]*|Not a reproduction[^*]*)\*\*( Also [^.]*\.)*( Whatever the coupling below shows[^.]*\.)?", "**VERDICT**");
        scrubbed = Regex.Replace(scrubbed, @"\| (yes|\*\*no\*\*: [^|]*) \|", "| HOLDS |");
        scrubbed = Regex.Replace(scrubbed, @"(?m)^Not seen in seed.*\n\n?", "");                   // present or not, by the run's numbers
        scrubbed = Regex.Replace(scrubbed, @"(?<=\| )[#%+\-—(),·none ]+(?= \|)", "X");                // numeric cells, whatever their form
        Snapshot.Match(scrubbed);
    }

    [Fact]
    public void Each_stage_does_its_own_job_SFT_lowers_its_loss_and_GRPO_raises_the_reward()
    {
        foreach (var effect in StageEffect.All)
        {
            var (change, _, holds) = effect.Evaluate(run.Report);
            Assert.True(holds, $"{effect.Statement}: change {change}");
        }
    }

    [Fact]
    public void The_report_json_carries_the_testbed_checks_and_both_mechanism_tables_with_every_row_filled()
    {
        var seed = Assert.Single(run.Report.Mechanisms!["per_seed"]!.AsArray())!.AsObject();
        foreach (var key in new[] { "base_greedy_accuracy", "base_sampled_accuracy", "base_label_auc", "rl_gain_mean1_robust", "sft_drop_mean1_robust", "sft_label_ce", "grpo_ce_rise" })
            Assert.True(double.IsFinite(seed["testbed"]![key]!.GetValue<double>()), key);
        var drop = Mechanisms.FromJson(seed[Mechanisms.RlThenSft]!.AsArray());
        Assert.Equal(["robust", "strict", "label_only", "format", "thinking", "no_label", "forgetting", "calibration"], drop.Take(8).Select(r => r.Id));
        Assert.Contains(drop, r => r.Id.StartsWith("rule:", StringComparison.Ordinal));
        var rise = Mechanisms.FromJson(seed[Mechanisms.SftThenRl]!.AsArray());
        Assert.Equal(["ce", "ce_template", "ce_label", "ce_end"], rise.Select(r => r.Id));
        Assert.All(drop.Concat(rise), r => Assert.True(double.IsFinite(r.Before) && double.IsFinite(r.After), r.Id));
    }

    [Fact]
    public void The_mechanism_tables_rise_and_each_seeds_paired_evidence_are_the_headline_rise_measured_on_the_same_SFT_test_split_and_labels()
    {
        var ce = run.Report.Pipeline(PaperClaim.SftThenRl).CurvesOf(StudyRunner.CeMetric)[0];
        int boundary = run.Report.Pipeline(PaperClaim.SftThenRl).Stages[0].Steps;
        var seed = Assert.Single(run.Report.Mechanisms!["per_seed"]!.AsArray())!.AsObject();
        var rise = Mechanisms.FromJson(seed[Mechanisms.SftThenRl]!.AsArray()).Single(r => r.Id == "ce");
        Assert.Equal(ce.Points.Single(p => p.Step == boundary).Value, rise.Before, 1e-6);
        Assert.Equal(ce.Points[^1].Value, rise.After, 1e-6);
        // The seed's paired evidence is the same change, item by item.
        Assert.Equal(rise.Change, seed["testbed"]!["grpo_ce_rise"]!.GetValue<double>(), 1e-9);
        var drop = Mechanisms.FromJson(seed[Mechanisms.RlThenSft]!.AsArray()).Single(r => r.Id == "robust");
        Assert.Equal(drop.Change, seed["testbed"]!["sft_drop_mean1_robust"]!.GetValue<double>(), 1e-9);
    }

    [Fact]
    public void The_gate_passes_on_the_stage_effects_and_fails_on_a_copy_perturbed_beyond_a_baseline_recorded_from_the_run()
    {
        Assert.All(Gate.Evaluate(run.Report, null).Where(c => c.Check.StartsWith("effect ", StringComparison.Ordinal)), c => Assert.True(c.Pass, $"{c.Check}: {c.Actual}"));
        var dir = Path.Combine(run.Dir, "baseline");
        Directory.CreateDirectory(dir);
        var baselineFile = Path.Combine(dir, "smoke.json");
        Assert.Equal(0, ReproCli.Run(["baseline", "record", "--run", run.Dir, "--out", baselineFile]));
        var baseline = Baseline.Load(baselineFile);
        Assert.All(Gate.Evaluate(run.Report, baseline).Where(c => !c.Check.StartsWith("direction ", StringComparison.Ordinal)), c => Assert.True(c.Pass, $"{c.Check}: {c.Actual}"));

        var ceCurve = run.Report.Pipeline(PaperClaim.SftThenRl).CurvesOf(StudyRunner.CeMetric)[0];
        int midStep = ceCurve.Points[ceCurve.Points.Count / 2].Step;
        var perturbed = Gating.SyntheticRuns.Perturb(run.Report, StudyRunner.CeMetric, midStep, 3 * baseline.Curves.First(c => c.Metric == StudyRunner.CeMetric).MaxAbsDelta);
        Assert.Contains(Gate.Evaluate(perturbed, baseline), c => !c.Pass && c.Check.StartsWith("curve ", StringComparison.Ordinal));

        int lastStep = ceCurve.Points[^1].Step;
        var flipped = Gating.SyntheticRuns.Perturb(run.Report, StudyRunner.CeMetric, lastStep, -100);      // CE after RL far below end of SFT
        Assert.False(Gate.Evaluate(flipped, null).Single(c => c.Check == "direction sft-then-rl-ce-rises").Pass);

        var perturbedDir = Path.Combine(run.Dir, "perturbed");
        Directory.CreateDirectory(perturbedDir);
        perturbed.Save(perturbedDir);
        Assert.Equal(1, ReproCli.Run(["gate", "--run", perturbedDir, "--baseline", baselineFile]));
    }

    [Fact]
    public void A_stage_checkpoint_loads_and_answers_in_the_trained_format()
    {
        var folder = Path.Combine(run.Dir, "seed-1", "sft-then-rl", "after-sft");
        var model = Reproduction.Qwen3.Qwen3ForCausalLM.FromPretrained(folder);
        var subset = Reproduction.Text.VocabularySubset.LoadFrom(folder);
        Assert.NotNull(subset);
        var encoder = new ColaTaskEncoder(Reproduction.Text.Qwen3Tokenizer.LoadDefault(), Reproduction.Data.ColaTaskFormatter.ColaRl, subset);
        var prompt = encoder.Sft(new Reproduction.Data.ColaExample("t", 1, "", "The dog sleeps.", 1)).PromptIds.ToArray();
        var result = Reproduction.Sampling.TokenGenerator.Generate(model, [prompt], Reproduction.Sampling.SamplingOptions.Greedy(12) with { EosTokenIds = encoder.StopIds, PadTokenId = encoder.PadId });
        Assert.Matches("^<think>\n\n</think>\n\n(un)?acceptable$", encoder.Decode(result.Tokens[0]));

        // The same through `repro generate --prompt … --chat` (tokenizer, chat template and vocabulary subset).
        var output = new StringWriter();
        var text = encoder.Formatter.SftPrompt("The dog sleeps.");
        Assert.Equal(0, Reproduction.Cli.GenerateCommand.RunText(folder, text, chat: true, noThinking: false, maxNewTokens: 12, greedy: true,
            null, null, null, null, "float32", json: false, output));
        Assert.Matches("^<think>\n\n</think>\n\n(un)?acceptable$", output.ToString().TrimEnd('\n'));
    }
}
