using Reproduction.Experiments;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Beyond;

/// <summary>
/// `repro ablate` on tiny-smoke, one seed, every kind at once (strict, label-only, β = 0.01, interleaved:5, joint:1 from one
/// base and one SFT checkpoint), with a small bridge.
/// </summary>
public sealed class AblationSmokeFixture : IDisposable
{
    public const string Kinds = "reward,beta,schedule";
    public string Dir { get; } = Directory.CreateTempSubdirectory("repro-ablate-smoke-").FullName;
    public RunReport Report { get; }

    public AblationSmokeFixture()
    {
        var variants = AblationRunner.Variants(Kinds, betas: [0.01], schedules: ["interleaved:5", "joint:1"]);
        Report = new AblationRunner(StudyPreset.Load("tiny-smoke"), Kinds, variants, Dir, [1],
            new BridgeOptions { Prompts = 20, Samples = 2, Checkpoints = 1 }, _ => { }).Run();
    }

    public void Dispose() => Directory.Delete(Dir, true);
}

public sealed class AblationSmokeTests(AblationSmokeFixture run) : IClassFixture<AblationSmokeFixture>
{
    private static string Repo(params string[] parts) => Path.Combine([SharedData.RepoRoot, .. parts]);

    [Fact]
    public void One_report_holds_a_pipeline_per_variant_with_figures_json_and_bridge_rows_for_the_sequential_ones()
    {
        Assert.Equal(["strict", "label-only", "beta=0.01", "interleaved:5", "joint:1"], run.Report.Pipelines.Select(p => p.Id));
        foreach (var f in new[] { RunReport.FileName, "report.md", AblationRunner.JsonFile, AblationRunner.MarkdownFile, AblationRunner.CePngFile,
                     AblationRunner.EndPngFile, Frontier.PngFile, BridgeReport.JsonFile, BridgeReport.PngFile, BridgeReport.Prop1PngFile })
            Assert.True(File.Exists(Path.Combine(run.Dir, f)), $"missing {f}");
        var rows = BridgeReport.Load(run.Dir);
        Assert.Equal(["beta=0.01", "label-only", "strict"], rows.Select(r => r.Pipeline).Distinct().Order());    // mixed schedules have no single p1
        Assert.All(rows.Where(r => r.Pipeline == "beta=0.01"), r => Assert.NotNull(r.Gibbs));
        Assert.All(rows.Where(r => r.Pipeline == "strict"), r => Assert.Null(r.Gibbs));                        // β = 0: not applicable
    }

    [Fact]
    public void The_sequential_variants_branch_from_one_SFT_checkpoint_and_differ_only_after_it()
    {
        var strict = run.Report.Pipeline("strict");
        int boundary = strict.Boundary;
        IEnumerable<CurvePoint> Sft(string id) => run.Report.Pipeline(id).CurvesOf(StudyRunner.CeMetric)[0].Points.Where(p => p.Step <= boundary);
        Assert.Equal(Sft("strict"), Sft("label-only"));                              // the same SFT stage, evaluated once
        Assert.Equal(Sft("strict"), Sft("beta=0.01"));
        var end = run.Report.Pipelines.Take(3).Select(p => p.CurvesOf(StudyRunner.CeMetric)[0].Points[^1].Value).ToList();
        Assert.Equal(3, end.Distinct().Count());                                      // and then train differently
    }

    [Fact]
    public void The_gate_passes_against_a_baseline_recorded_from_the_run_and_fails_on_a_perturbed_copy()
    {
        var baseline = BaselineRecorder.Record(run.Report);
        Assert.All(Gate.Evaluate(run.Report, baseline).Where(c => c.Check.StartsWith("curve ", StringComparison.Ordinal) || c.Check.Contains(" at ")),
            c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
        var ce = run.Report.Pipeline("label-only").CurvesOf(StudyRunner.CeMetric)[0];
        var perturbed = Gating.SyntheticRuns.Perturb(run.Report, StudyRunner.CeMetric, ce.Points[^1].Step, 1.0);
        Assert.Contains(Gate.Evaluate(perturbed, baseline), c => !c.Pass);
    }

    [Fact]
    public void Every_schedule_spends_the_same_SFT_and_GRPO_budget()
    {
        int sft = run.Report.Pipeline("strict").Stages[0].Steps, grpo = run.Report.Pipeline("strict").Stages[1].Steps;
        foreach (var id in new[] { "interleaved:5", "joint:1" })
        {
            var p = run.Report.Pipeline(id);
            Assert.Equal(sft + grpo, p.Stages[^1].Steps);
            Assert.Equal(sft + grpo, p.CurvesOf(StudyRunner.CeMetric)[0].Points[^1].Step);
        }
        // The schedule engine logs a line per optimizer step with its phase and the demonstrations it trained on.
        var metrics = Path.Combine(run.Dir, "metrics");
        List<System.Text.Json.Nodes.JsonNode> Lines(string file) => File.ReadLines(Path.Combine(metrics, file)).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!).ToList();
        var interleaved = Lines("seed-1-interleaved_5-interleaved.jsonl");
        Assert.Equal(sft, interleaved.Count(l => (string)l["phase"]! == "sft"));
        Assert.Equal(grpo, interleaved.Count(l => (string)l["phase"]! == "rl"));
        var joint = Lines("seed-1-joint_1-joint.jsonl");
        Assert.Equal(sft + grpo, joint.Count);
        int demosPerSftStep = run.Report.Pipeline("strict").Stages[0].Steps > 0 ? StudyPreset.Load("tiny-smoke").Sft.PerDeviceTrainBatchSize : 0;
        Assert.Equal(sft * demosPerSftStep, joint.Sum(l => (double)l["demonstrations"]!));           // all of SFT's demonstrations, spread over the steps
    }
}
