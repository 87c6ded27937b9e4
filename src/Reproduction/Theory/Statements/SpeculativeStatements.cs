using Reproduction.Theory.Checks;
using Reproduction.Theory.Speculative;
using Reproduction.Theory.Trainers;

namespace Reproduction.Theory.Statements;

/// <summary>The constants of the optimal-duration template: g₀, μ, λ, ℓ, G.</summary>
public sealed record DurationCase(double G0, double Mu, double Lambda, double Ell, double Grad)
{
    /// <summary>z = 4μ²g₀/(λℓG²), the argument of W in t*.</summary>
    public double Z => 4 * Mu * Mu * G0 / (Lambda * Ell * Grad * Grad);
    public double TStar => PlTemplates.OptimalDuration(G0, Mu, Lambda, Ell, Grad);
    public double Phi(double t) => PlTemplates.DurationObjective(t, G0, Mu, Lambda, Ell, Grad);
}

/// <summary>A policy π beside an SFT problem (q, p_D, r, β), whether π is the SFT optimum, the reference of the RL step, and its step size.</summary>
public sealed record ThresholdCase(GibbsCase Problem, bool AtOptimum, TabularPolicy Pi, TabularPolicy RefPolicy, double Eta)
{
    public override string ToString() => $"{Problem}, pi={Pi}, at optimum={AtOptimum}, eta={Eta:G6}";
}

/// <summary>
/// [SPECULATIVE] v2 templates (paper.md §3.7). The v2 statements are unknown; these check standard PL/smoothness facts in the
/// tabular model. They are never the paper's results and are labelled `speculative` everywhere.
/// </summary>
public static class SpeculativeStatements
{
    /// <summary>Small full-support tables: 1–3 prompts, 2–4 responses.</summary>
    public static readonly SizeRange Tables = new(1, 3, 2, 4);

    /// <summary>Trajectories are expensive: a run of n cases draws max(10, n/10) instances.</summary>
    private static int Trajectories(int cases) => Math.Max(10, cases / 10);

    /// <summary>A template instance: Dirichlet(10) q and π_ref (= p_D for the SFT templates), β ∈ [0.5, 2], |r| ≤ 1.</summary>
    public static GibbsCase Instance(CaseSeed c)
    {
        var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
        return new GibbsCase(new PromptDistribution(s.Simplex(nx, 10)), s.Policy(nx, ny, 10), s.Rewards(nx, ny, RewardKind.Uniform), s.Uniform(0.5, 2));
    }

    /// <summary>A step size below 1/L for J_β in logits (L ≤ β/2 + 3R_max/2 per prompt; q ≤ 1).</summary>
    public static double SafeStep(double beta, double rMax) => 1.0 / (beta + 2 * rMax);

    /// <summary>Optimality gaps J* − J below this (relative to 1 + R_max) are rounding noise: the PL ratio ‖∇J‖²/(2g) is not evaluated there.</summary>
    public const double GapFloor = 1e-11;

    public static Statement<GibbsCase> PlRate { get; } = new()
    {
        Id = "v2-speculative-pl-rate",
        Text = "[speculative] PL template 1: gradient ascent on J_β with η ≤ 1/L gives J* − J_k ≤ (1 − ημ̂)^k (J* − J_0), μ̂ the empirical PL constant",
        Source = CheckSource.Speculative,
        Expected = Verdict.Holds,
        Sizes = Tables,
        CaseCount = Trajectories,
        Instance = Instance,
        Sides = g =>
        {
            var (q, refPolicy, r, beta) = g;
            var e = new CaseEvaluation();
            var jStar = GibbsOptimum.OptimalValue(q, refPolicy, r, beta); // J_β(p*), §3.3
            var eta = SafeStep(beta, Math.Max(r.RMax, 1e-3));
            var trajectory = new List<(double GradNormSquared, double Gap)>();
            KlRegularisedAscent.Run(q, refPolicy, r, beta, new GradientOptions(eta, 300), (_, pi) =>
            {
                var grad = LogitGradients.JBeta(q, pi, r, beta, refPolicy);
                trajectory.Add((LogitGradients.Dot(grad, grad), jStar - RewardObjective.JBeta(q, pi, r, beta, refPolicy)));
            });
            var floor = GapFloor * (1 + r.RMax);
            var mu = PlTemplates.EmpiricalPlConstant(trajectory, floor);
            e.Count("pl constant", mu);
            for (int k = 0; k + 1 < trajectory.Count && trajectory[k + 1].Gap > floor; k++)
            {
                int kk = k;
                e.AtMost("sufficient increase g_{k+1} ≤ g_k − (η/2)‖∇J_β‖²", trajectory[k + 1].Gap, trajectory[k].Gap - eta / 2 * trajectory[k].GradNormSquared, () => $"no sufficient increase at step {kk}", 1 + r.RMax);
                e.AtMost("g_k ≤ (1 − ημ̂)^k g_0", trajectory[k + 1].Gap, PlTemplates.LinearRateEnvelope(trajectory[0].Gap, eta, mu, k + 1), () => $"rate envelope broken at step {kk + 1}, mu={mu}", 1 + r.RMax);
            }
            return e;
        },
        Note = _ => "η = 1/(β + 2R_max), 300 steps",
    };

    public static Statement<GibbsCase> SftDamage { get; } = new()
    {
        Id = "v2-speculative-sft-damage",
        Text = "[speculative] Template 2: from an SFT minimiser, RL ascent raises the SFT loss by at most (ℓ/2)‖θ_t − θ_0‖² ≤ ℓG²t²/2, ℓ = max q/2",
        Source = CheckSource.Speculative,
        Expected = Verdict.Holds,
        Sizes = Tables,
        CaseCount = Trajectories,
        Instance = Instance,
        Sides = g =>
        {
            var (q, data, r, beta) = g;
            var e = new CaseEvaluation();
            var ell = PlTemplates.SftSmoothness(q);
            var eta = SafeStep(beta, Math.Max(r.RMax, 1e-3));
            var theta0 = data.Logits();
            var l0 = SftLoss.Expected(q, data, data);
            double grad = 0, leastDamage = double.PositiveInfinity;
            KlRegularisedAscent.Run(q, data, r, beta, new GradientOptions(eta, 100), (k, pi) =>
            {
                var gradient = LogitGradients.JBeta(q, pi, r, beta, data);
                var damage = SftLoss.Expected(q, data, pi) - l0;
                leastDamage = Math.Min(leastDamage, damage);
                var distance2 = LogitGradients.SquaredDistance(pi.Logits(), theta0);
                e.AtMost("ΔL_S ≤ (ℓ/2)‖θ_t − θ_0‖²", damage, ell / 2 * distance2, () => $"ΔL_S={damage} > (ℓ/2)‖Δθ‖²={ell / 2 * distance2} at step {k}", 1 + l0);
                e.AtMost("ΔL_S ≤ ℓG²t²/2", damage, ell * grad * grad * (eta * k) * (eta * k) / 2, () => $"ΔL_S={damage} > ℓG²t²/2 at step {k}", 1 + l0);
                grad = Math.Max(grad, Math.Sqrt(LogitGradients.Dot(gradient, gradient)));
            });
            return e.Count("least damage", leastDamage).Count("initial loss", l0);
        },
        Note = _ => "SFT-then-RL with π_ref = p_D; logits differ from log π only by a per-row constant, which softmax ignores",
    };

    /// <summary>The grid Φ is compared on: 401 points on [0, 3t*].</summary>
    public const int DurationGridPoints = 400;

    public static Statement<DurationCase> OptimalDuration { get; } = new()
    {
        Id = "v2-speculative-optimal-duration",
        Text = "[speculative] Template 3: t* = W(4μ²g₀/(λℓG²))/(2μ) maximises Φ(t) = g₀(1 − e^{−2μt}) − λℓG²t²/2",
        Source = CheckSource.Speculative,
        Expected = Verdict.Holds,
        Instance = c =>
        {
            var s = c.Sampler;
            return new DurationCase(s.Beta(0.01, 10), s.Beta(0.01, 10), s.Beta(0.01, 10), s.Beta(0.01, 10), s.Beta(0.01, 10));
        },
        Sides = d =>
        {
            var e = new CaseEvaluation();
            var z = d.Z;
            var w = PlTemplates.LambertW(z);
            e.Equal("W(z)·e^{W(z)} = z", w * Math.Exp(w), z, () => $"W({z}) = {w} is not a root");
            var tStar = d.TStar;
            var best = d.Phi(tStar);
            for (int k = 0; k <= DurationGridPoints; k++)
            {
                var tk = tStar * 3 * k / DurationGridPoints;
                var v = d.Phi(tk);
                e.AtMost("Φ(t) ≤ Φ(t*)", v, best, () => $"Φ({tk})={v} > Φ(t*={tStar})={best}", d.G0);
            }
            return e;
        },
        Note = _ => "Φ concave (Φ'' < 0), so the stationary point is the maximiser; grid of 401 points on [0, 3t*]",
    };

    public static Statement<ThresholdCase> Threshold { get; } = new()
    {
        Id = "v2-speculative-threshold",
        Text = "[speculative] Template 4: ‖∇L_S‖² ≤ 2ℓ(L_S − L_S*); an RL step lowers L_S only if ⟨∇L_S, ∇J⟩ < 0 and L_S > L_S*, never at the SFT optimum",
        Source = CheckSource.Speculative,
        Expected = Verdict.Holds,
        Sizes = Tables,
        Instance = c =>
        {
            var s = c.Sampler;
            var problem = Instance(c);
            var atOptimum = s.Bernoulli(0.3);
            var pi = atOptimum ? problem.RefPolicy : s.Policy(problem.Q.Count, problem.RefPolicy.Responses, s.Pick(InstanceSampler.Alphas));
            var refPolicy = s.Policy(problem.Q.Count, problem.RefPolicy.Responses, 1);
            return new ThresholdCase(problem, atOptimum, pi, refPolicy, s.Beta(1e-3, 1));
        },
        Sides = c =>
        {
            var ((q, data, r, beta), atOptimum, pi, refPolicy, eta) = c;
            var e = new CaseEvaluation();
            var ell = PlTemplates.SftSmoothness(q);
            var lStar = SftLoss.Minimum(q, data);
            var loss = SftLoss.Expected(q, data, pi);
            var gradS = LogitGradients.Sft(q, data, pi);
            e.AtMost("‖∇L_S‖² ≤ 2ℓ(L_S − L_S*)", LogitGradients.Dot(gradS, gradS), 2 * ell * (loss - lStar), () => $"‖∇L_S‖² > 2ℓ(L_S − L*) at {pi}", 1 + loss);
            var gradJ = LogitGradients.JBeta(q, pi, r, beta, refPolicy);
            var after = SftLoss.Expected(q, data, TabularPolicy.FromLogits(LogitGradients.Step(pi.Logits(), gradJ, eta)));
            if (!(after < loss - Tolerances.Slack(1, after, loss))) return e;  // the RL step did not lower L_S: nothing more to say
            var inner = LogitGradients.Dot(gradS, gradJ);
            return e.Count("decreased").Criterion("L_S fell ⇒ ⟨∇L_S,∇J⟩ < 0, L_S > L_S*, not at the optimum", -inner, inner < 0 && loss > lStar && !atOptimum,
                () => $"RL step lowered L_S with ⟨∇L_S,∇J⟩={inner}, gap={loss - lStar}, at optimum={atOptimum}");
        },
        Conclude = p => p.RequireSome("decreased", "an RL step lowered L_S somewhere", "no RL step lowered the SFT loss: the implication was never exercised"),
        Note = p => $"RL steps lowered L_S in {p.Count("decreased")}/{p.RequestedCases} draws, always with an SFT gap and a negative inner product (L_S is convex in logits)",
    };

    public static IEnumerable<TheoremStatement> All => [PlRate, SftDamage, OptimalDuration, Threshold];
}
