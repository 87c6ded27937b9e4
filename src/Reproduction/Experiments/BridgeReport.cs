using System.Globalization;
using System.Text;
using System.Text.Json;
using Reproduction.IO;
using Reproduction.Reporting;
using ScottPlot;

namespace Reproduction.Experiments;

/// <summary>
/// bridge.json (every row), bridge.md (the predicted-vs-measured table) and two figures: bridge.png (measured C1 against
/// each prediction along the GRPO second stages, y = x dashed) and bridge-prop1.png (|ΔJ| against Proposition 1's bound).
/// </summary>
public static class BridgeReport
{
    public const string JsonFile = "bridge.json", MarkdownFile = "bridge.md", PngFile = "bridge.png", Prop1PngFile = "bridge-prop1.png";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static void Write(string preset, IReadOnlyList<int> seeds, IReadOnlyList<BridgeRow> rows, string dir)
    {
        AtomicFile.WriteAllText(Path.Combine(dir, JsonFile), JsonSerializer.Serialize(new { preset, seeds, r_max = TheoryBridge.RMax, rows }, Json));
        AtomicFile.WriteAllText(Path.Combine(dir, MarkdownFile), Markdown(preset, rows));
        C1Figure(preset, rows, Path.Combine(dir, PngFile));
        Prop1Figure(preset, rows, Path.Combine(dir, Prop1PngFile));
    }

    public static IReadOnlyList<BridgeRow> Load(string dir)
    {
        var path = Path.Combine(dir, JsonFile);
        if (!File.Exists(path)) throw ReproException.ForFile(path, "no bridge rows (run with the bridge on)");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.GetProperty("rows").Deserialize<List<BridgeRow>>(Json) ?? [];
    }

    private static string Check(RelationCheck? c, BridgeRow r) => c is null ? r.Beta is null ? "n/a (SFT stage)" : "n/a (β = 0)" :
        $"{c.Measured:F2} vs {c.Predicted:F2} {(c.Holds ? "✓" : "✗")}";

    public static string Markdown(string preset, IReadOnlyList<BridgeRow> rows)
    {
        var md = new StringBuilder();
        md.AppendLine($"# Theory ↔ experiment bridge [{preset}]").AppendLine();
        md.AppendLine("Per checkpoint p2 of each second stage against the stage's start p1; nats per response; ± is the 95% interval over prompts. " +
                      "A relation holds (✓) when 0 lies in the 95% interval of measured − predicted (paired over prompts). " +
                      "(10): C1 = KL(p1‖p2), exact if p1 were the data. 3.1(d): C1 = ΔJ/β − KL(p2‖p1). Gibbs: C1 = (J(p2) − J_D)/β − KL(p2‖p1), " +
                      "exact for the regularised optimum from any p1. Prop. 1: |ΔJ| ≤ R_max·√(2·KL(p2‖p1)), R_max = 1.").AppendLine();
        md.AppendLine("| pipeline | seed | step | prompts | β | CE(p1)=KL(p_D‖p1) | C1 | KL(p1‖p2) | KL(p2‖p1) | ΔJ | (10) | 3.1(d) | Gibbs | Prop. 1 |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var r in rows)
            md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Pipeline} | {r.Seed} | {r.Step} | {r.Prompts} | {(r.Beta is { } b ? b.ToString("G3", CultureInfo.InvariantCulture) : "–")} | {r.CeP1:F2} | {r.C1} | {r.KlP1P2} | {r.KlP2P1} | {r.DeltaJ} | " +
                $"{Check(r.Eq10, r)} | {Check(r.Theorem31d, r)} | {Check(r.Gibbs, r)} | {r.Prop1.Measured:F2} ≤ {r.Prop1.Predicted:F2} {(r.Prop1.Holds ? "✓" : "✗")} |"));
        md.AppendLine();
        md.AppendLine("| relation | rows | holds |").AppendLine("|---|---|---|");
        foreach (var (name, pick) in Relations)
        {
            var checks = rows.Select(pick).OfType<RelationCheck>().ToList();
            if (checks.Count > 0) md.AppendLine($"| {name} | {checks.Count} | {checks.Count(c => c.Holds)} |");
        }
        return md.ToString();
    }

    public static readonly IReadOnlyList<(string Name, Func<BridgeRow, RelationCheck?> Pick)> Relations =
    [
        ("(10): C1 = KL(p1‖p2)", r => r.Eq10),
        ("Theorem 3.1 (d): C1 = ΔJ/β − KL(p2‖p1)", r => r.Theorem31d),
        ("Gibbs (Eq. 12–13): C1 = (J2 − J_D)/β − KL(p2‖p1)", r => r.Gibbs),
        ("Proposition 1: |ΔJ| ≤ R_max·√(2 KL(p2‖p1))", r => r.Prop1),
    ];

    private static void C1Figure(string preset, IReadOnlyList<BridgeRow> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        double lo = 0, hi = 0;
        foreach (var (name, pick) in Relations.Take(3))
        {
            // GRPO second stages only: C1's predictions are about RL from the SFT checkpoint (an SFT stage has β = null).
            var pts = rows.Where(r => r.Beta is not null).Select(r => (Row: r, Check: pick(r))).Where(x => x.Check is not null).ToList();
            if (pts.Count == 0) { k++; continue; }
            foreach (var group in pts.GroupBy(x => x.Row.Prompts))
            {
                var xs = group.Select(x => x.Check!.Predicted).ToArray();
                var ys = group.Select(x => x.Check!.Measured).ToArray();
                // Symlog axes: the Gibbs predictions at small β reach ~10³ nats while measured C1 is ~10, and on linear
                // axes every measured point sat on the x axis.
                var s = plot.Add.ScatterPoints(xs.Select(FigureFile.SymLog).ToArray(), ys.Select(FigureFile.SymLog).ToArray(), palette.GetColor(k));
                s.MarkerShape = group.Key == "sft-test" ? MarkerShape.FilledCircle : MarkerShape.OpenSquare;
                s.MarkerSize = 7;
                s.LegendText = $"{name} [{group.Key}]";
                lo = Math.Min(lo, Math.Min(xs.Min(), ys.Min()));
                hi = Math.Max(hi, Math.Max(xs.Max(), ys.Max()));
            }
            k++;
        }
        FigureFile.Diagonal(plot, FigureFile.SymLog(lo), FigureFile.SymLog(hi));
        FigureFile.SymLogTicks(plot, lo, hi);
        FigureFile.Finish(plot, $"C1 measured vs predicted [{preset}], symlog axes", "predicted C1 (nats per response)", "measured C1 = CE(p2) − CE(p1) (nats per response)", path);
    }

    private static void Prop1Figure(string preset, IReadOnlyList<BridgeRow> rows, string path)
    {
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        double hi = 0.1;
        foreach (var group in rows.GroupBy(r => (r.Pipeline, r.Prompts)))
        {
            var xs = group.Select(r => r.Prop1.Predicted).ToArray();
            var ys = group.Select(r => r.Prop1.Measured).ToArray();
            var s = plot.Add.ScatterPoints(xs, ys, palette.GetColor(k++));
            s.MarkerSize = 7;
            s.LegendText = $"{group.Key.Pipeline} [{group.Key.Prompts}]";
            hi = Math.Max(hi, Math.Max(xs.Max(), ys.Max()));
        }
        FigureFile.Diagonal(plot, 0, hi);
        FigureFile.Finish(plot, $"Proposition 1: |ΔJ| ≤ R_max·√(2·KL(p2‖p1)) [{preset}]", "bound R_max·√(2·KL(p2‖p1))", "|ΔJ| = |J(p2) − J(p1)| (training reward, T = 1)", path);
    }
}
