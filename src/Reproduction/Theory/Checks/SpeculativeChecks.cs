using Reproduction.Theory.Speculative;
using Reproduction.Theory.Trainers;

namespace Reproduction.Theory.Checks;

/// <summary>
/// [SPECULATIVE] v2 templates (paper.md §3.7). The v2 statements are unknown; these check standard PL/smoothness facts in the
/// tabular model. They are never the paper's results and are labelled `speculative` everywhere.
/// </summary>
public static class SpeculativeChecks
{
    /// <summary>A template instance: small full-support tables, β ∈ [0.5, 2], |r| ≤ 1.</summary>
    public static (PromptDistribution Q, TabularPolicy Ref, RewardTable R, double Beta) Instance(InstanceSampler s)
    {
        int nx = s.Int(1, 3), ny = s.Int(2, 4);
        return (new PromptDistribution(s.Simplex(nx, 10)), s.Policy(nx, ny, 10), s.Rewards(nx, ny, RewardKind.Uniform), s.Uniform(0.5, 2));
    }

    /// <summary>A step size below 1/L for J_β in logits (L ≤ β/2 + 3R_max/2 per prompt; q ≤ 1).</summary>
    public static double SafeStep(double beta, double rMax) => 1.0 / (beta + 2 * rMax);

    /// <summary>Optimality gaps J* − J below this (relative to 1 + R_max) are rounding noise: the PL ratio ‖∇J‖²/(2g) is not evaluated there.</summary>
    public const double GapFloor = 1e-11;

    public static TheoryCheck PlRate => new("v2-speculative-pl-rate",
        "[speculative] PL template 1: gradient ascent on J_β with η ≤ 1/L gives J* − J_k ≤ (1 − ημ̂)^k (J* − J_0), μ̂ the empirical PL constant",
        CheckSource.Speculative, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("v2-speculative-pl-rate");
            var t = new MarginTracker();
            for (int c = 0; c < Math.Max(10, ctx.Cases / 10); c++)
            {
                var (q, refPolicy, r, beta) = Instance(s);
                var jStar = beta * q.Expect(x => GibbsOptimum.LogZ(refPolicy, r, beta, x)); // J_β(p*), §3.3
                var eta = SafeStep(beta, Math.Max(r.RMax, 1e-3));
                var trajectory = new List<(double GradNormSquared, double Gap)>();
                KlRegularisedAscent.Run(q, refPolicy, r, beta, new GradientOptions(eta, 300), (_, pi) =>
                {
                    var g = LogitGradients.JBeta(q, pi, r, beta, refPolicy);
                    trajectory.Add((LogitGradients.Dot(g, g), jStar - RewardObjective.JBeta(q, pi, r, beta, refPolicy)));
                });
                var floor = GapFloor * (1 + r.RMax);
                var mu = PlTemplates.EmpiricalPlConstant(trajectory, floor);
                for (int k = 0; k + 1 < trajectory.Count && trajectory[k + 1].Gap > floor; k++)
                {
                    int kk = k;
                    t.AtMost(trajectory[k + 1].Gap, trajectory[k].Gap - eta / 2 * trajectory[k].GradNormSquared, () => $"no sufficient increase at step {kk}", 1 + r.RMax);
                    t.AtMost(trajectory[k + 1].Gap, PlTemplates.LinearRateEnvelope(trajectory[0].Gap, eta, mu, k + 1), () => $"rate envelope broken at step {kk + 1}, mu={mu}", 1 + r.RMax);
                }
            }
            return new CheckOutcome(t, "η = 1/(β + 2R_max), 300 steps");
        });

    public static TheoryCheck SftDamage => new("v2-speculative-sft-damage",
        "[speculative] Template 2: from an SFT minimiser, RL ascent raises the SFT loss by at most (ℓ/2)‖θ_t − θ_0‖² ≤ ℓG²t²/2, ℓ = max q/2",
        CheckSource.Speculative, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("v2-speculative-sft-damage");
            var t = new MarginTracker();
            for (int c = 0; c < Math.Max(10, ctx.Cases / 10); c++)
            {
                var (q, data, r, beta) = Instance(s);
                var ell = PlTemplates.SftSmoothness(q);
                var eta = SafeStep(beta, Math.Max(r.RMax, 1e-3));
                var theta0 = data.Logits();
                var l0 = SftLoss.Expected(q, data, data);
                double g = 0;
                KlRegularisedAscent.Run(q, data, r, beta, new GradientOptions(eta, 100), (k, pi) =>
                {
                    var grad = LogitGradients.JBeta(q, pi, r, beta, data);
                    var damage = SftLoss.Expected(q, data, pi) - l0;
                    var distance2 = LogitGradients.SquaredDistance(pi.Logits(), theta0);
                    t.AtMost(damage, ell / 2 * distance2, () => $"ΔL_S={damage} > (ℓ/2)‖Δθ‖²={ell / 2 * distance2} at step {k}", 1 + l0);
                    t.AtMost(damage, ell * g * g * (eta * k) * (eta * k) / 2, () => $"ΔL_S={damage} > ℓG²t²/2 at step {k}", 1 + l0);
                    g = Math.Max(g, Math.Sqrt(LogitGradients.Dot(grad, grad)));
                });
            }
            return new CheckOutcome(t, "SFT-then-RL with π_ref = p_D; logits differ from log π only by a per-row constant, which softmax ignores");
        });

    public static TheoryCheck OptimalDuration => new("v2-speculative-optimal-duration",
        "[speculative] Template 3: t* = W(4μ²g₀/(λℓG²))/(2μ) maximises Φ(t) = g₀(1 − e^{−2μt}) − λℓG²t²/2",
        CheckSource.Speculative, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("v2-speculative-optimal-duration");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                double g0 = s.Beta(0.01, 10), mu = s.Beta(0.01, 10), lambda = s.Beta(0.01, 10), ell = s.Beta(0.01, 10), grad = s.Beta(0.01, 10);
                var z = 4 * mu * mu * g0 / (lambda * ell * grad * grad);
                var w = PlTemplates.LambertW(z);
                t.Equal(w * Math.Exp(w), z, () => $"W({z}) = {w} is not a root");
                var tStar = PlTemplates.OptimalDuration(g0, mu, lambda, ell, grad);
                var best = PlTemplates.DurationObjective(tStar, g0, mu, lambda, ell, grad);
                for (int k = 0; k <= 400; k++)
                {
                    var tk = tStar * 3 * k / 400;
                    var v = PlTemplates.DurationObjective(tk, g0, mu, lambda, ell, grad);
                    t.AtMost(v, best, () => $"Φ({tk})={v} > Φ(t*={tStar})={best}", g0);
                }
            }
            return new CheckOutcome(t, "Φ concave (Φ'' < 0), so the stationary point is the maximiser; grid of 401 points on [0, 3t*]");
        });

    public static TheoryCheck Threshold => new("v2-speculative-threshold",
        "[speculative] Template 4: ‖∇L_S‖² ≤ 2ℓ(L_S − L_S*); an RL step lowers L_S only if ⟨∇L_S, ∇J⟩ < 0 and L_S > L_S*, never at the SFT optimum",
        CheckSource.Speculative, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("v2-speculative-threshold");
            var t = new MarginTracker();
            int decreased = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (q, data, r, beta) = Instance(s);
                var atOptimum = s.Bernoulli(0.3);
                var pi = atOptimum ? data : s.Policy(q.Count, data.Responses, s.Pick(InstanceSampler.Alphas));
                var ell = PlTemplates.SftSmoothness(q);
                var lStar = SftLoss.Minimum(q, data);
                var loss = SftLoss.Expected(q, data, pi);
                var gradS = LogitGradients.Sft(q, data, pi);
                t.AtMost(LogitGradients.Dot(gradS, gradS), 2 * ell * (loss - lStar), () => $"‖∇L_S‖² > 2ℓ(L_S − L*) at {pi}", 1 + loss);
                var gradJ = LogitGradients.JBeta(q, pi, r, beta, s.Policy(q.Count, data.Responses, 1));
                var eta = s.Beta(1e-3, 1);
                var after = SftLoss.Expected(q, data, TabularPolicy.FromLogits(LogitGradients.Step(pi.Logits(), gradJ, eta)));
                if (after < loss - Tolerances.Slack(1, after, loss))
                {
                    decreased++;
                    var inner = LogitGradients.Dot(gradS, gradJ);
                    t.Record(-inner, inner < 0 && loss > lStar && !atOptimum, () => $"RL step lowered L_S with ⟨∇L_S,∇J⟩={inner}, gap={loss - lStar}, at optimum={atOptimum}");
                }
            }
            t.Record(decreased, decreased > 0, () => "no RL step lowered the SFT loss: the implication was never exercised");
            return new CheckOutcome(t, $"RL steps lowered L_S in {decreased}/{ctx.Cases} draws, always with an SFT gap and a negative inner product (L_S is convex in logits)");
        });

    public static IEnumerable<TheoryCheck> All => [PlRate, SftDamage, OptimalDuration, Threshold];
}
