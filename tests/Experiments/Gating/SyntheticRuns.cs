using System.Text.Json.Nodes;
using Reproduction.Reporting;

namespace Repro.Tests.Gating;

/// <summary>
/// Run reports shaped like the study's, with curves that follow the paper's Fig. 3 by construction
/// (CE falls during SFT then rises during GRPO; reward rises during GRPO then falls during SFT), per-seed
/// noise from a seeded generator. The gate and report tests perturb them.
/// </summary>
public static class SyntheticRuns
{
    public const int Boundary = 10, Total = 20;

    public static RunReport Make(string preset = "tiny", int[]? seeds = null, double ceRise = 2.2, double rewardDrop = -0.3, double rewardBase = 0.4,
        double rlGain = 0.2, double sftCeDrop = 1.7)
    {
        seeds ??= [1, 2, 3];
        var ce = new List<Curve>();
        var robust = new List<Curve>();
        var strict = new List<Curve>();
        foreach (var seed in seeds)
        {
            var rng = new Random(seed);
            double Noise() => (rng.NextDouble() - 0.5) * 0.02;
            ce.Add(new Curve("sft_test_ce", seed, Steps().Select(s => new CurvePoint(s,
                s <= Boundary ? 2.0 - sftCeDrop * s / Boundary + Noise() : 2.0 - sftCeDrop + ceRise * (s - Boundary) / (Total - Boundary) + Noise())).ToList()));
            robust.Add(new Curve("mean1_robust", seed, Steps().Select(s => new CurvePoint(s,
                s <= Boundary ? rewardBase + rlGain * s / Boundary + Noise() : rewardBase + rlGain + (rewardDrop - rlGain) * (s - Boundary) / (Total - Boundary) + Noise())).ToList()));
            strict.Add(new Curve("mean1_strict", seed, Steps().Select(s => new CurvePoint(s, s <= Boundary ? -0.5 + 0.1 * s / Boundary : -1.0)).ToList()));
        }
        return new RunReport(RunReport.CurrentFormat, preset, seeds, new JsonObject { ["device"] = "cpu", ["dtype"] = "float32" },
            new Dictionary<string, string> { ["A1"] = "synthetic test run" },
            [
                new PipelineResult(PaperClaim.SftThenRl, "SFT-then-RL", [new Stage("sft", Boundary), new Stage("grpo", Total - Boundary)], ce),
                new PipelineResult(PaperClaim.RlThenSft, "RL-then-SFT", [new Stage("grpo", Boundary), new Stage("sft", Total - Boundary)], [.. robust, .. strict]),
            ]);
    }

    private static IEnumerable<int> Steps() => Enumerable.Range(0, Total / 2 + 1).Select(i => 2 * i);

    /// <summary>
    /// A copy whose pipeline's first stage ended earlier, at <paramref name="boundary"/> (&lt; <see cref="Boundary"/>), as an
    /// RL plateau stop on another CPU does: first-stage points after it are gone, and the second stage is the same
    /// curve, starting there.
    /// </summary>
    public static RunReport EndFirstStageAt(RunReport run, string pipeline, int boundary) => run with
    {
        Pipelines = run.Pipelines.Select(p => p.Id != pipeline ? p : p with
        {
            Stages = [p.Stages[0] with { Steps = boundary }, p.Stages[1]],
            Curves = p.Curves.Select(c => c with
            {
                Points = c.Points.Where(pt => pt.Step < boundary || pt.Step >= Boundary)
                    .Select(pt => pt.Step >= Boundary ? pt with { Step = pt.Step - Boundary + boundary } : pt).ToList(),
            }).ToList(),
        }).ToList(),
    };

    /// <summary>A copy with <paramref name="delta"/> added to one metric's value at one step, for every seed.</summary>
    public static RunReport Perturb(RunReport run, string metric, int step, double delta) => run with
    {
        Pipelines = run.Pipelines.Select(p => p with
        {
            Curves = p.Curves.Select(c => c.Metric != metric ? c : c with
            {
                Points = c.Points.Select(pt => pt.Step == step ? pt with { Value = pt.Value + delta } : pt).ToList(),
            }).ToList(),
        }).ToList(),
    };
}
