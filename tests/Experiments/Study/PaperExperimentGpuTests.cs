using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Gating;

namespace Repro.Tests.Study;

/// <summary>
/// The paper's experiment on the real Qwen3-0.6B (preset qwen3-0.6b), end to end on one GPU: both pipelines, then the
/// gate against the paper's numbers (directions, and base / final robust mean@1 within ±0.08) and, once recorded, the
/// GPU baseline. The model comes from REPRO_QWEN3_0_6B or the hub. The run folder is runs/qwen3-0.6b-gpu under the
/// repository root, which the gpu workflow uploads. Skipped with the reason on machines without CUDA.
/// </summary>
public sealed class PaperExperimentGpuTests
{
    [Fact]
    [Trait("Category", Gpu.Category)]
    public void On_Qwen3_0_6B_RL_after_SFT_raises_the_SFT_loss_and_SFT_after_RL_lowers_the_reward_as_the_paper_reports()
    {
        Gpu.Require();
        var dir = Path.Combine(SharedData.RepoRoot, "runs", "qwen3-0.6b-gpu");
        var report = new StudyRunner(StudyPreset.Load("qwen3-0.6b"), dir, [1], line => TestContext.Current.SendDiagnosticMessage(line)).Run();
        var paper = JsonNode.Parse(File.ReadAllText(Path.Combine(SharedData.RepoRoot, "baselines", "paper.json")))!.AsObject();
        var baselinePath = Path.Combine(SharedData.RepoRoot, "baselines", "qwen3-0.6b-gpu.json");
        var baseline = File.Exists(baselinePath) ? Baseline.Load(baselinePath) : null;
        var checks = Gate.Evaluate(report, baseline, paper);
        Assert.Contains(checks, c => c.Check.StartsWith("paper ", StringComparison.Ordinal));
        Assert.All(checks, c => Assert.True(c.Pass, $"{c.Check}: expected {c.Expected}, got {c.Actual}"));
    }
}
