using System.Text.Json.Nodes;
using Reproduction.Reporting;

namespace Reproduction.Gating;

/// <summary>One line of the gate's verdict table.</summary>
public sealed record GateCheck(string Check, string Expected, string Actual, bool Pass);

/// <summary>
/// `repro gate`: a run passes when the paper's predicted directions hold (CE after RL &gt; CE at the end of SFT;
/// reward after SFT &lt; reward at the end of RL), every recorded curve and end metric of the baseline is
/// matched within its tolerance, and, with the paper's numbers, every number that declares a gate for
/// the run's preset is matched within that number's stated tolerance.
/// </summary>
public static class Gate
{
    public static IReadOnlyList<GateCheck> Evaluate(RunReport run, Baseline? baseline, JsonObject? paper = null)
    {
        var checks = new List<GateCheck>();
        foreach (var claim in PaperClaim.All)
        {
            if (run.Pipelines.All(p => p.Id != claim.Pipeline)) continue;
            var (change, holds) = claim.Evaluate(run);
            checks.Add(new GateCheck($"direction {claim.Id}", claim.ExpectIncrease ? "change > 0" : "change < 0", $"change {change}", holds));
        }

        foreach (var effect in StageEffect.All)
        {
            if (!run.Pipelines.Any(p => p.Id == effect.Pipeline && p.CurvesOf(effect.Metric).Count > 0)) continue;
            var (change, perSeed, holds) = effect.Evaluate(run);
            checks.Add(new GateCheck($"effect {effect.Id}", $"{(effect.ExpectIncrease ? ">" : "<")} {(effect.ExpectIncrease ? "+" : "−")}{effect.MinChange:G3} in every seed, beyond evaluation noise",
                holds ? $"change {change}" : $"{effect.Missing} (per seed {string.Join(", ", perSeed.Select(d => d.ToString("+0.000;-0.000", System.Globalization.CultureInfo.InvariantCulture)))})", holds));
        }

        if (baseline is not null)
        {
            if (baseline.Preset != run.Preset)
                checks.Add(new GateCheck("preset", baseline.Preset, run.Preset, false));
            foreach (var c in baseline.Curves) checks.AddRange(CheckCurve(run, c));
            foreach (var e in baseline.EndMetrics) checks.Add(CheckEnd(run, e));
            foreach (var why in baseline.Refused ?? []) checks.Add(new GateCheck("not gated", "—", why, true));
        }

        if (paper?["numbers"] is JsonArray numbers)
            foreach (var n in numbers.OfType<JsonObject>())
                if (n["gate"] is JsonObject g && (g["presets"] as JsonArray)?.Any(x => x?.GetValue<string>() == run.Preset) == true)
                    checks.Add(CheckPaperNumber(run, n, g));
        return checks;
    }

    private static IEnumerable<GateCheck> CheckCurve(RunReport run, BaselineCurve c)
    {
        var name = $"curve {c.Pipeline}/{c.Metric}";
        var pipeline = run.Pipelines.FirstOrDefault(p => p.Id == c.Pipeline);
        if (pipeline is null || pipeline.CurvesOf(c.Metric).Count == 0)
        {
            yield return new GateCheck(name, "present", "missing", false);
            yield break;
        }
        var ours = CurveStatistics.MeanCurve(pipeline.AlignedCurvesOf(c.Metric)).ToDictionary(s => s.Step, s => s.Stat.Mean);
        var points = c.AlignedTo(pipeline.Boundary);
        if (c.Boundary is { } b0 && b0 != pipeline.Boundary)
            yield return new GateCheck($"{name} stage boundary", $"recorded at step {b0}",
                $"at step {pipeline.Boundary}: compared stage by stage, {c.Steps.Count - points.Count} recorded first-stage point(s) past it left out", true);
        var missing = points.Where(p => !ours.ContainsKey(p.Run)).Select(p => p.Run).ToList();
        if (missing.Count > 0 || points.Count == 0)
        {
            yield return new GateCheck(name, $"points at {points.Count} recorded steps", $"missing steps {string.Join(",", missing.Take(5))}", false);
            yield break;
        }
        var deltas = points.Select(p => ours[p.Run] - p.Mean).ToList();
        int worst = Enumerable.Range(0, deltas.Count).MaxBy(i => Math.Abs(deltas[i]));
        var at = points[worst].Run == points[worst].Recorded ? $"step {points[worst].Run}" : $"step {points[worst].Run} (recorded {points[worst].Recorded})";
        yield return new GateCheck($"{name} max|Δ|", $"≤ {c.MaxAbsDelta:G4}", $"{Math.Abs(deltas[worst]):G4} at {at}", Math.Abs(deltas[worst]) <= c.MaxAbsDelta);
        double residual = deltas.Average();
        yield return new GateCheck($"{name} mean residual", $"|r| ≤ {c.MeanResidualTolerance:G4}", $"{residual:G4}", Math.Abs(residual) <= c.MeanResidualTolerance);
    }

    private static GateCheck CheckEnd(RunReport run, BaselineEndMetric e)
    {
        var name = $"{e.Pipeline}/{e.Metric} at {e.Point}";
        var pipeline = run.Pipelines.FirstOrDefault(p => p.Id == e.Pipeline);
        if (pipeline is null || pipeline.CurvesOf(e.Metric).Count == 0) return new GateCheck(name, "present", "missing", false);
        var s = CurveStatistics.AtKeyPoint(pipeline, e.Metric, BaselineRecorder.ParsePoint(e.Point));
        return new GateCheck(name, $"{e.Mean:F3} ± {e.Tolerance:G3}", s.ToString(), Math.Abs(s.Mean - e.Mean) <= e.Tolerance);
    }

    private static GateCheck CheckPaperNumber(RunReport run, JsonObject number, JsonObject gate)
    {
        string id = number["id"]!.GetValue<string>();
        double value = number["value"]!.GetValue<double>();
        double tol = gate["tolerance"]!.GetValue<double>();
        string pipelineId = gate["pipeline"]!.GetValue<string>(), metric = gate["metric"]!.GetValue<string>();
        var pipeline = run.Pipelines.FirstOrDefault(p => p.Id == pipelineId);
        if (pipeline is null || pipeline.CurvesOf(metric).Count == 0) return new GateCheck($"paper {id}", $"{value} ± {tol}", "missing", false);
        var s = CurveStatistics.AtKeyPoint(pipeline, metric, BaselineRecorder.ParsePoint(gate["point"]!.GetValue<string>()));
        return new GateCheck($"paper {id}", $"{value} ± {tol}", s.ToString(), Math.Abs(s.Mean - value) <= tol);
    }
}
