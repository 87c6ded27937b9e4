using System.Globalization;
using Repro.Tests.IO;
using Reproduction;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Verl;

/// <summary>
/// `repro import verl` on small logs written here in verl's two local formats (file logger JSONL
/// <c>{"step": N, "data": {...}}</c>; console <c>step:N - key:value - ...</c>): the run folder it writes loads as a
/// run report, renders, and gates like a local run; malformed input names the file and line.
/// </summary>
public sealed class VerlLogImporterTests : IDisposable
{
    private readonly TempFolder _tmp = new();
    public void Dispose() => _tmp.Dispose();

    private static readonly Lazy<StudyPreset> Preset = new(() => StudyPreset.Load("tiny-smoke"));
    private static readonly VerlImportOptions Options = new();

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private string Write(string name, params string[] lines)
    {
        var path = _tmp.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>SFT as fsdp_sft_trainer logs it (JSONL): train/loss per step, val/loss at 5 and 10; the base CE at step 0 from eval_checkpoints.sh.</summary>
    private string SftJsonl(string name, double endCe = 0.4) => Write(name,
        """{"step": 0, "data": {"val/loss": 2.5}}""",
        """{"step": 1, "data": {"train/loss": 2.4, "train/lr(1e-3)": 0.01}}""",
        """{"step": 5, "data": {"val/loss": 0.9}}""",
        """{"step": 10, "data": {"train/loss": 0.41, "val/loss": """ + F(endCe) + "}}");

    /// <summary>GRPO as main_ppo prints it on the console (Ray prefix, numpy 2 reprs, progress noise between lines).</summary>
    private string GrpoConsole(string name, double endReward = 0.8) => Write(name,
        "(TaskRunner pid=4242) step:0 - val-core/cola/reward/mean@1:np.float64(-0.6) - val-aux/cola/robust/mean@1:np.float64(0.1) - val-aux/cola/strict/mean@1:np.float64(-0.6)",
        "Training Progress:  10%|#         | 1/10 [00:03<00:27,  3.0s/it]",
        "(TaskRunner pid=4242) step:1 - actor/pg_loss:-0.012 - critic/score/mean:-0.5 - training/global_step:1",
        $"(TaskRunner pid=4242) step:10 - actor/pg_loss:0.003 - val-core/cola/reward/mean@1:np.float64({F(endReward)}) - val-aux/cola/robust/mean@1:np.float64({F(endReward)}) - training/global_step:10");

    private VerlImportResult ImportBoth(double ceAfterRl = 1.7, double rewardAfterSft = 0.2)
    {
        var logs = new List<VerlLogSource>
        {
            new("sft-then-rl", "sft", SftJsonl("a-sft.jsonl")),
            new("sft-then-rl", "grpo", GrpoConsole("a-grpo.log")),
            new("sft-then-rl", "grpo", Write("a-grpo-ce.jsonl", """{"step": 10, "data": {"val/loss": """ + F(ceAfterRl) + "}}")),
            new("rl-then-sft", "grpo", GrpoConsole("b-grpo.log")),
            new("rl-then-sft", "sft", SftJsonl("b-sft.jsonl")),
            new("rl-then-sft", "sft", Write("b-sft-reward.jsonl",
                """{"step": 5, "data": {"val-aux/cola/robust/mean@1": 0.5, "val-aux/cola/strict/mean@1": -0.2}}""",
                """{"step": 10, "data": {"val-aux/cola/robust/mean@1": """ + F(rewardAfterSft) + """, "val-aux/cola/strict/mean@1": -0.9}}""")),
        };
        return VerlLogImporter.Import(Preset.Value, logs, Options);
    }

    [Fact]
    public void Stages_are_laid_end_to_end_with_the_second_shifted_by_the_firsts_last_step()
    {
        var report = ImportBoth().Report;
        var a = report.Pipeline("sft-then-rl");
        Assert.Equal([new Stage("sft", 10), new Stage("grpo", 10)], a.Stages);
        var ce = Assert.Single(a.CurvesOf(StudyRunner.CeMetric));
        Assert.Equal([(0, 2.5), (5, 0.9), (10, 0.4), (20, 1.7)], ce.Points.Select(p => (p.Step, p.Value)));

        var b = report.Pipeline("rl-then-sft");
        Assert.Equal([new Stage("grpo", 10), new Stage("sft", 10)], b.Stages);
        var robust = Assert.Single(b.CurvesOf(StudyRunner.RobustMetric));
        Assert.Equal([(0, 0.1), (10, 0.8), (15, 0.5), (20, 0.2)], robust.Points.Select(p => (p.Step, p.Value)));
        var strict = Assert.Single(b.CurvesOf(StudyRunner.StrictMetric));
        Assert.Equal([(0, -0.6), (10, 0.8), (15, -0.2), (20, -0.9)], strict.Points.Select(p => (p.Step, p.Value)));
    }

    [Fact]
    public void The_imported_folder_loads_renders_and_passes_the_gate_when_the_predicted_directions_hold()
    {
        var dir = _tmp.File("run");
        VerlLogImporter.ImportTo(dir, false, Preset.Value, Logs(), Options);
        var report = RunReport.Load(dir);
        Assert.Equal("tiny-smoke", report.Preset);
        Assert.Equal("verl", report.Environment["engine"]!.GetValue<string>());
        Assert.Contains("Observed", ReportMarkdown.Render(report));
        var checks = Gate.Evaluate(report, null);
        Assert.Equal(["direction rl-then-sft-reward-drops", "direction sft-then-rl-ce-rises", "effect grpo-raises-reward", "effect sft-lowers-ce"], checks.Select(c => c.Check).Order(StringComparer.Ordinal));
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: {c.Actual}"));
    }

    private List<VerlLogSource> Logs() =>
    [
        new("sft-then-rl", "sft", SftJsonl("c-sft.jsonl")),
        new("sft-then-rl", "grpo", Write("c-grpo.jsonl", """{"step": 10, "data": {"val/loss": 1.7, "training/global_step": 10}}""")),
        new("rl-then-sft", "grpo", GrpoConsole("c-grpo.log")),
        new("rl-then-sft", "sft", Write("c-sft-reward.jsonl", """{"step": 10, "data": {"val-aux/cola/robust/mean@1": 0.2}}""")),
    ];

    [Fact]
    public void The_gate_fails_an_imported_run_whose_directions_do_not_hold()
    {
        var report = ImportBoth(ceAfterRl: 0.1, rewardAfterSft: 0.95).Report;
        var directions = Gate.Evaluate(report, null).Where(c => c.Check.StartsWith("direction ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, directions.Count);
        Assert.All(directions, c => Assert.False(c.Pass, $"{c.Check} passed: {c.Actual}"));
    }

    [Fact]
    public void A_malformed_json_line_is_an_error_naming_the_file_and_line()
    {
        var path = Write("bad.jsonl", """{"step": 0, "data": {"val/loss": 2.5}}""", """{"step": 1, "data": {"val/loss": 2.""");
        var e = Assert.Throws<ReproException>(() => VerlLogParser.ReadFile(path));
        Assert.StartsWith($"{path}:2: ", e.Message);
    }

    [Theory]
    [InlineData("""{"step": -1, "data": {}}""", "\"step\" must be a non-negative integer")]
    [InlineData("""{"step": 3}""", "\"data\" must be an object")]
    [InlineData("""[1, 2]""", "expected a JSON object")]
    [InlineData("step:3 - val/loss:abc", "val/loss: 'abc' is not a number")]
    [InlineData("step:3 - val/loss", "is not key:value")]
    public void A_malformed_metrics_line_says_what_is_wrong(string line, string expected)
    {
        var path = Write("bad.log", "some banner line", line);
        var e = Assert.Throws<ReproException>(() => VerlLogParser.ReadFile(path));
        Assert.StartsWith($"{path}:2: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Python_numbers_and_bare_nan_are_read_and_untracked_text_values_are_skipped()
    {
        var path = Write("mixed.log",
            "step:2 - a:1e-06 - b:np.float32(0.25) - c:nan - d:tensor(3.5, device='cuda:0') - e:some text",
            """{"step": 3, "data": {"x": NaN, "y": -Infinity, "z": 0.5, "name": "grpo"}}""");
        var records = VerlLogParser.ReadFile(path);
        Assert.Equal([2, 3], records.Select(r => r.Step));
        Assert.Equal(1e-6, records[0].Data["a"]);
        Assert.Equal(0.25, records[0].Data["b"]);
        Assert.True(double.IsNaN(records[0].Data["c"]));
        Assert.Equal(3.5, records[0].Data["d"]);
        Assert.False(records[0].Data.ContainsKey("e"));
        Assert.True(double.IsNaN(records[1].Data["x"]));
        Assert.Equal(double.NegativeInfinity, records[1].Data["y"]);
        Assert.Equal(["x", "y", "z"], records[1].Data.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_non_finite_tracked_metric_is_an_error_naming_the_line()
    {
        var logs = new List<VerlLogSource>
        {
            new("sft-then-rl", "sft", Write("nan.jsonl", """{"step": 0, "data": {"val/loss": 2.0}}""", """{"step": 4, "data": {"val/loss": NaN}}""")),
            new("sft-then-rl", "grpo", Write("g.jsonl", """{"step": 4, "data": {"val/loss": 2.0}}""")),
        };
        var e = Assert.Throws<ReproException>(() => VerlLogImporter.Import(Preset.Value, logs, Options));
        Assert.Contains("nan.jsonl:2: val/loss is NaN", e.Message);
    }

    [Fact]
    public void Two_logs_that_disagree_on_a_point_are_an_error_naming_both()
    {
        var logs = new List<VerlLogSource>
        {
            new("sft-then-rl", "sft", SftJsonl("one.jsonl")),
            new("sft-then-rl", "sft", Write("two.log", "step:5 - val/loss:0.7")),
            new("sft-then-rl", "grpo", Write("g.jsonl", """{"step": 4, "data": {"val/loss": 2.0}}""")),
        };
        var e = Assert.Throws<ReproException>(() => VerlLogImporter.Import(Preset.Value, logs, Options));
        Assert.Contains("two.log:1: val/loss at step 5 is 0.7", e.Message);
        Assert.Contains("one.jsonl:3", e.Message);
    }

    [Fact]
    public void A_pipeline_without_a_base_point_for_its_claim_metric_or_without_a_stage_is_refused_with_the_fix()
    {
        var noBase = new List<VerlLogSource>
        {
            new("sft-then-rl", "sft", Write("s.jsonl", """{"step": 10, "data": {"val/loss": 0.4}}""")),
            new("sft-then-rl", "grpo", Write("g.jsonl", """{"step": 4, "data": {"val/loss": 2.0}}""")),
        };
        var e = Assert.Throws<ReproException>(() => VerlLogImporter.Import(Preset.Value, noBase, Options));
        Assert.Contains("sft_test_ce has no base-model point", e.Message);
        Assert.Contains("eval_checkpoints.sh", e.Message);

        var oneStage = new List<VerlLogSource> { new("rl-then-sft", "grpo", GrpoConsole("g.log")) };
        var missing = Assert.Throws<ReproException>(() => VerlLogImporter.Import(Preset.Value, oneStage, Options));
        Assert.Contains("pipeline rl-then-sft has no log for its sft stage", missing.Message);
    }

    [Theory]
    [InlineData("sft-then-rl/sft=x.jsonl", "sft-then-rl", "sft", "x.jsonl")]
    [InlineData("rl-then-sft/grpo=/a/b=c.log", "rl-then-sft", "grpo", "/a/b=c.log")]
    public void A_log_spec_is_pipeline_slash_stage_equals_file(string spec, string pipeline, string stage, string path)
    {
        Assert.Equal(new VerlLogSource(pipeline, stage, path), VerlLogSource.Parse(spec));
    }

    [Theory]
    [InlineData("x.jsonl", "is not PIPELINE/STAGE=FILE")]
    [InlineData("joint/sft=x.jsonl", "pipeline 'joint'")]
    [InlineData("sft-then-rl/dpo=x.jsonl", "stage 'dpo'")]
    public void A_bad_log_spec_says_what_is_expected(string spec, string expected)
    {
        Assert.Contains(expected, Assert.Throws<ReproException>(() => VerlLogSource.Parse(spec)).Message);
    }
}
