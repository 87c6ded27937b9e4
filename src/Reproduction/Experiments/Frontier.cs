using System.Text.Json;
using System.Text.Json.Serialization;
using Reproduction.IO;
using Reproduction.Reporting;
using ScottPlot;

namespace Reproduction.Experiments;

/// <summary>One evaluation point of a second stage, relative to where that stage started.</summary>
public sealed record FrontierPoint(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("d_reward")] double DeltaReward,
    [property: JsonPropertyName("d_ce")] double DeltaCe);

/// <summary>A path in the (Δ reward, Δ CE) plane: one seed's, or the seed mean.</summary>
public sealed record FrontierPath(
    [property: JsonPropertyName("pipeline")] string Pipeline,
    [property: JsonPropertyName("seed")] int? Seed,
    [property: JsonPropertyName("points")] IReadOnlyList<FrontierPoint> Points)
{
    /// <summary>Δ CE per unit of Δ reward at the end of the stage: how much SFT loss a unit of reward cost (or the reverse).</summary>
    [JsonPropertyName("ce_per_reward")]
    public double? CePerReward => Points.Count > 0 && Math.Abs(Points[^1].DeltaReward) > 1e-9 ? Points[^1].DeltaCe / Points[^1].DeltaReward : null;
}

/// <summary>
/// The SFT↔RL trade-off frontier (`repro frontier`): along the second stage of each pipeline, the change of SFT-test
/// cross-entropy against the change of robust mean@1, both measured from the stage's starting checkpoint. SFT-then-RL
/// walks right and up (reward bought with SFT loss), RL-then-SFT left and down (SFT loss bought with reward).
/// Needs a run that tracked every metric in both pipelines (<see cref="StudyRunner.TrackAll"/>).
/// </summary>
public static class Frontier
{
    public const string JsonFile = "frontier.json", PngFile = "frontier.png";

    public static IReadOnlyList<FrontierPath> Paths(RunReport run)
    {
        var paths = new List<FrontierPath>();
        foreach (var p in run.Pipelines)
        {
            var ces = p.AlignedCurvesOf(StudyRunner.CeMetric);
            var rewards = p.AlignedCurvesOf(StudyRunner.RobustMetric);
            if (ces.Count == 0 || rewards.Count == 0)
                throw new ReproException($"{RunReport.FileName}: pipeline '{p.Id}' lacks '{StudyRunner.CeMetric}' or '{StudyRunner.RobustMetric}' (run `repro frontier`, which tracks both)");
            var perSeed = new List<FrontierPath>();
            foreach (var ce in ces)
            {
                var reward = rewards.FirstOrDefault(r => r.Seed == ce.Seed);
                if (reward is null) continue;
                var byStep = reward.Points.ToDictionary(x => x.Step, x => x.Value);
                var stage2 = ce.Points.Where(x => x.Step >= p.Boundary && byStep.ContainsKey(x.Step)).OrderBy(x => x.Step).ToList();
                if (stage2.Count == 0) continue;
                var (ce0, r0) = (stage2[0].Value, byStep[stage2[0].Step]);
                perSeed.Add(new FrontierPath(p.Id, ce.Seed, stage2.Select(x => new FrontierPoint(x.Step, byStep[x.Step] - r0, x.Value - ce0)).ToList()));
            }
            paths.AddRange(perSeed);
            var mean = perSeed.SelectMany(s => s.Points).GroupBy(x => x.Step).Where(g => g.Count() == perSeed.Count).OrderBy(g => g.Key)
                .Select(g => new FrontierPoint(g.Key, g.Average(x => x.DeltaReward), g.Average(x => x.DeltaCe))).ToList();
            paths.Add(new FrontierPath(p.Id, null, mean));
        }
        return paths;
    }

    public static void Write(RunReport run, string dir)
    {
        var paths = Paths(run);
        AtomicFile.WriteAllText(Path.Combine(dir, JsonFile), JsonSerializer.Serialize(new { preset = run.Preset, seeds = run.Seeds, paths }, new JsonSerializerOptions { WriteIndented = true }));
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (var group in paths.GroupBy(x => x.Pipeline))
        {
            var color = palette.GetColor(k++);
            foreach (var path in group)
            {
                var line = plot.Add.ScatterLine(path.Points.Select(x => x.DeltaReward).ToArray(), path.Points.Select(x => x.DeltaCe).ToArray(),
                    path.Seed is null ? color : color.WithAlpha(0.3));
                line.LineWidth = path.Seed is null ? 2.5f : 1f;
                if (path.Seed is null)
                {
                    line.LegendText = group.Key switch
                    {
                        PaperClaim.SftThenRl => "SFT-then-RL: along GRPO (from the SFT checkpoint)",
                        PaperClaim.RlThenSft => "RL-then-SFT: along SFT (from the RL checkpoint)",
                        _ => run.Pipeline(group.Key).Title,
                    };
                    line.MarkerSize = 6;
                }
            }
        }
        plot.Add.HorizontalLine(0, 1, Colors.Gray, LinePattern.Dotted);
        plot.Add.VerticalLine(0, 1, Colors.Gray, LinePattern.Dotted);
        FigureFile.Finish(plot, $"SFT↔RL trade-off frontier [{run.Preset}]", "Δ robust mean@1 from the stage's start", "Δ SFT test cross-entropy (nats/token)", Path.Combine(dir, PngFile));
    }
}
