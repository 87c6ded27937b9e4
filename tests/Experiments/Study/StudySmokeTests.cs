using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Reproduction.Cli;
using Reproduction.Experiments;
using Reproduction.Gating;
using Reproduction.Reporting;
using Snapshooter.Xunit3;

namespace Repro.Tests.Study;

/// <summary>Runs the tiny-smoke preset once for every test of the class.</summary>
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

/// <summary>
/// Both pipelines end to end on CPU: the run folder holds what the README promises, the report reads the same
/// (numbers scrubbed), and the regression gate passes on the run and fails on perturbed or flipped copies.
/// </summary>
public sealed class StudySmokeTests(SmokeStudyFixture run) : IClassFixture<SmokeStudyFixture>
{
    private static string Repo(params string[] parts) => Path.Combine([SharedData.RepoRoot, .. parts]);

    [Fact]
    public void The_run_folder_holds_report_figures_metrics_and_a_model_at_every_stage_boundary()
    {
        foreach (var f in new[] { "report.json", "report.md", "preset.json", Figure3.FileA, Figure3.FileB })
            Assert.True(File.Exists(Path.Combine(run.Dir, f)), $"missing {f}");
        var metrics = Directory.GetFiles(Path.Combine(run.Dir, "metrics")).Select(Path.GetFileName).Order().ToArray();
        Assert.Equal(["seed-1-base-pretrain.jsonl", "seed-1-rl-then-sft-grpo.jsonl", "seed-1-rl-then-sft-sft.jsonl",
                      "seed-1-sft-then-rl-grpo.jsonl", "seed-1-sft-then-rl-sft.jsonl"], metrics);
        foreach (var stage in new[] { "base", "sft-then-rl/after-sft", "sft-then-rl/after-grpo", "rl-then-sft/after-grpo", "rl-then-sft/after-sft" })
            foreach (var f in new[] { "config.json", "generation_config.json", "model.safetensors", "vocab_subset.json" })
                Assert.True(File.Exists(Path.Combine(run.Dir, "seed-1", stage, f)), $"missing seed-1/{stage}/{f}");
    }

    [Fact]
    public void The_report_has_the_same_structure_with_numbers_scrubbed()
    {
        var md = File.ReadAllText(Path.Combine(run.Dir, ReportMarkdown.FileName));
        md = md[..md.IndexOf("## Environment", StringComparison.Ordinal)];                 // versions and dates vary
        var scrubbed = Regex.Replace(md, @"[+-]?\d+(\.\d+)?", "#");
        scrubbed = Regex.Replace(scrubbed, @"\*\*(Observed\.|Not observed\.|Observed in the mean[^*]*)\*\*", "**VERDICT**");
        scrubbed = Regex.Replace(scrubbed, @"\b(above|not above|below|not below)\b", "SIDE");
        Snapshot.Match(scrubbed);
    }

    [Fact]
    public void SFT_on_the_synthetic_data_lowers_the_test_cross_entropy()
    {
        var ce = run.Report.Pipeline(PaperClaim.SftThenRl);
        double before = CurveStatistics.AtKeyPoint(ce, StudyRunner.CeMetric, CurveStatistics.KeyPoint.Base).Mean;
        double after = CurveStatistics.AtKeyPoint(ce, StudyRunner.CeMetric, CurveStatistics.KeyPoint.EndOfStage1).Mean;
        Assert.True(after < before, $"SFT-test CE {before:F4} → {after:F4}");
    }

    [Fact]
    public void The_gate_passes_on_the_run_against_its_baseline_and_the_paper_directions()
    {
        var checks = Gate.Evaluate(run.Report, Baseline.Load(Repo("baselines", "tiny-smoke-cpu.json")),
            JsonNode.Parse(File.ReadAllText(Repo("baselines", "paper.json")))!.AsObject());
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
        Assert.Equal(0, ReproCli.Run(["gate", "--run", run.Dir, "--baseline", Repo("baselines", "tiny-smoke-cpu.json"), "--paper", Repo("baselines", "paper.json")]));
    }

    [Fact]
    public void The_gate_fails_on_a_copy_perturbed_beyond_tolerance_or_with_a_flipped_direction()
    {
        var baseline = Baseline.Load(Repo("baselines", "tiny-smoke-cpu.json"));
        var ceCurve = run.Report.Pipeline(PaperClaim.SftThenRl).CurvesOf(StudyRunner.CeMetric)[0];
        int midStep = ceCurve.Points[ceCurve.Points.Count / 2].Step;
        var perturbed = Gating.SyntheticRuns.Perturb(run.Report, StudyRunner.CeMetric, midStep, 3 * baseline.Curves.First(c => c.Metric == StudyRunner.CeMetric).MaxAbsDelta);
        Assert.Contains(Gate.Evaluate(perturbed, baseline), c => !c.Pass);

        int lastStep = ceCurve.Points[^1].Step;
        var flipped = Gating.SyntheticRuns.Perturb(run.Report, StudyRunner.CeMetric, lastStep, -100);      // CE after RL far below end of SFT
        Assert.False(Gate.Evaluate(flipped, null).Single(c => c.Check == "direction sft-then-rl-ce-rises").Pass);

        var dir = Path.Combine(run.Dir, "perturbed");
        Directory.CreateDirectory(dir);
        perturbed.Save(dir);
        Assert.Equal(1, ReproCli.Run(["gate", "--run", dir, "--baseline", Repo("baselines", "tiny-smoke-cpu.json")]));
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
