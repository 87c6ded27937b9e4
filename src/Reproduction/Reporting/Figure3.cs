using ScottPlot;

namespace Reproduction.Reporting;

/// <summary>
/// The paper's Fig. 3 from a run: (a) SFT-then-RL, SFT-test cross-entropy along both stages;
/// (b) RL-then-SFT, mean@1 reward along both stages. Each seed is a thin line, the seed mean a thick
/// one; the stage boundary is a dashed vertical line and the base model's value a dashed horizontal line.
/// </summary>
public static class Figure3
{
    public const string FileA = "fig3a-sft-then-rl.png";
    public const string FileB = "fig3b-rl-then-sft.png";
    public const int Width = 900, Height = 640;

    public sealed record Panel(string PipelineId, string Title, string YLabel, string BoundaryLabel, IReadOnlyList<(string Metric, string Label)> Metrics);

    public static readonly Panel A = new(PaperClaim.SftThenRl, "(a) SFT-then-RL: SFT loss after RL starts",
        "SFT test cross-entropy (nats/token)", "SFT → GRPO", [("sft_test_ce", "SFT test CE")]);

    public static readonly Panel B = new(PaperClaim.RlThenSft, "(b) RL-then-SFT: reward after SFT starts",
        "mean@1 reward (T 0.6, top-p 0.95)", "GRPO → SFT", [("mean1_robust", "robust eval"), ("mean1_strict", "strict reward")]);

    /// <summary>Writes both panels that the run has into <paramref name="dir"/>; returns the files written.</summary>
    public static IReadOnlyList<string> WriteAll(RunReport run, string dir)
    {
        var written = new List<string>();
        foreach (var (panel, file) in new[] { (A, FileA), (B, FileB) })
        {
            var pipeline = run.Pipelines.FirstOrDefault(p => p.Id == panel.PipelineId);
            if (pipeline is null) continue;
            var path = Path.Combine(dir, file);
            Render(pipeline, panel, run.Preset, path);
            written.Add(path);
        }
        return written;
    }

    public static void Render(PipelineResult pipeline, Panel panel, string preset, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int colorIndex = 0;
        foreach (var (metric, label) in panel.Metrics)
        {
            var curves = pipeline.AlignedCurvesOf(metric);
            if (curves.Count == 0) continue;
            var color = palette.GetColor(colorIndex++);
            foreach (var c in curves)
            {
                var pts = c.Points.OrderBy(p => p.Step).ToList();
                var s = plot.Add.ScatterLine(pts.Select(p => (double)p.Step).ToArray(), pts.Select(p => p.Value).ToArray(), color.WithAlpha(0.35));
                s.LineWidth = 1;
            }
            var mean = CurveStatistics.MeanCurve(curves);
            var m = plot.Add.ScatterLine(mean.Select(p => (double)p.Step).ToArray(), mean.Select(p => p.Stat.Mean).ToArray(), color);
            m.LineWidth = 2.5f;
            m.LegendText = curves.Count > 1 ? $"{label} (mean of {curves.Count} seeds)" : label;

            var baseValue = CurveStatistics.AtKeyPoint(pipeline, metric, CurveStatistics.KeyPoint.Base).Mean;
            var h = plot.Add.HorizontalLine(baseValue, 1.5f, color, LinePattern.Dashed);
            h.LegendText = $"base model ({label}) {baseValue:F3}";
        }
        var v = plot.Add.VerticalLine(pipeline.Boundary, 1.5f, Colors.Gray, LinePattern.Dashed);
        v.LabelText = panel.BoundaryLabel;
        v.LabelOppositeAxis = false;
        plot.Title($"{panel.Title} [{preset}]");
        plot.XLabel("training step (both stages)");
        plot.YLabel(panel.YLabel);
        plot.ShowLegend(Edge.Bottom);
        var tmp = path + ".tmp.png";
        plot.SavePng(tmp, Width, Height);
        File.Move(tmp, path, overwrite: true);
    }
}
