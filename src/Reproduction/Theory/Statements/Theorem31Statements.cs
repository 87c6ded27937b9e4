using Reproduction.Theory.Checks;

namespace Reproduction.Theory.Statements;

/// <summary>A Theorem 3.1 instance under (10) with the β values the β-dependence statement evaluates C1 at.</summary>
public sealed record BetaSweep(SftThenRlInstance Instance, double SmallBeta, double LargeBeta, double AsymptoticBeta, double TinyBeta)
{
    public override string ToString() => $"{Instance}, betas {SmallBeta:G6} < {LargeBeta:G6}, large {AsymptoticBeta:G6}, tiny {TinyBeta:G6}";
}

/// <summary>Theorem 3.1, SFT-then-RL (paper.md §2, §3.4).</summary>
public static class Theorem31Statements
{
    private static double Scale(SftThenRlInstance i) => 1 + i.R.RMax / i.Beta;

    private static SftThenRlInstance SftOptimal(CaseSeed c) => TheoremInstances.SftOptimal(c.Sampler, c.Size.Prompts, c.Size.Responses);

    private static double C1(SftThenRlInstance i) => SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);

    public static Statement<SftThenRlInstance> Identity { get; } = new()
    {
        Id = "thm31-identity",
        Text = "For any SFT checkpoint covering supp p_D: C1 = L(p⁽²⁾) − L(p⁽¹⁾) = E_q[log Z_β − E_{p_D} r/β] = E_q[KL(p_D‖p⁽²⁾) − KL(p_D‖p⁽¹⁾)] (Eq. 11/13)",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c => c.Sampler.Bernoulli(0.5)
            ? TheoremInstances.General(c.Sampler, c.Size.Prompts, c.Size.Responses)
            : SftOptimal(c),
        Sides = i =>
        {
            var direct = C1(i);
            var formula = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
            var kl = SftThenRlCoupling.C1AsKlDifference(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
            var scale = Scale(i) + SftLoss.Expected(i.Q, i.Data, i.SftCheckpoint);
            return new CaseEvaluation()
                .Equal("C1 = E_q[log Z_β − E_{p_D} r/β]", direct, formula, () => $"direct {direct} vs formula {formula}: {i}", scale)
                .Equal("C1 = E_q[KL(p_D‖p⁽²⁾) − KL(p_D‖p⁽¹⁾)]", direct, kl, () => $"direct {direct} vs KL difference {kl}: {i}", scale);
        },
        Note = _ => "half the cases satisfy (10), half do not; the identity needs no optimality",
    };

    public static Statement<SftThenRlInstance> Nonnegative { get; } = new()
    {
        Id = "thm31-nonnegative",
        Text = "Under (10) p⁽¹⁾ = p_D: C1(β) = E_q KL(p_D‖p⁽²⁾) ≥ 0, and J(p⁽²⁾) − J(p⁽¹⁾) = β·E_q Jeffreys(p⁽¹⁾,p⁽²⁾) ≥ 0",
        Source = CheckSource.Paper,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = SftOptimal,
        Sides = i =>
        {
            var c1 = C1(i);
            var p2 = i.RlCheckpoint;
            var kl = Divergence.ExpectedKl(i.Q, i.Data, p2);
            var gain = RewardObjective.J(i.Q, p2, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
            var jeffreys = i.Q.Expect(x => SftThenRlCoupling.RewardGainAsJeffreys(i.SftCheckpoint, p2, i.Beta, x));
            return new CaseEvaluation()
                .AtMost("0 ≤ C1", 0, c1, () => $"C1 = {c1} < 0 under (10): {i}", Scale(i))
                .Equal("C1 = E_q KL(p_D‖p⁽²⁾)", c1, kl, () => $"C1 {c1} vs E_q KL(p_D||p2) {kl}: {i}", Scale(i))
                .Equal("J(p⁽²⁾) − J(p⁽¹⁾) = β·E_q Jeffreys", gain, jeffreys, () => $"reward gain {gain} vs beta·Jeffreys {jeffreys}: {i}", i.R.RMax);
        },
        Note = _ => "C1 ≥ 0 is the paper's claim; C1 = E_q KL and the Jeffreys reward gain are derived (§3.4(a),(d))",
    };

    public static Statement<SftThenRlInstance> EqualityIff { get; } = new()
    {
        Id = "thm31-equality-iff",
        Text = "Under (10): C1 = 0 ⇔ r(x,·) constant on supp p_D(·|x) for q-a.e. x ⇔ J(p⁽²⁾) = J(p⁽¹⁾) (no reward gain) [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = EqualityCase,
        Sides = i =>
        {
            var e = new CaseEvaluation();
            var isConstant = i.Q.Support.All(x => i.R.IsConstantOnSupport(x, i.Data));
            if (isConstant) e.Count("constant");
            var c1 = C1(i);
            var gain = RewardObjective.J(i.Q, i.RlCheckpoint, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
            bool c1Zero = Math.Abs(c1) <= Tolerances.Slack(Scale(i), c1, 0), gainZero = Math.Abs(gain) <= Tolerances.Slack(i.R.RMax, gain, 0);
            return e.Criterion("C1 = 0 ⇔ r constant on supp p_D ⇔ no reward gain", isConstant ? -Math.Abs(c1) : c1, c1Zero == isConstant && gainZero == isConstant,
                () => $"constant on support={isConstant}, C1={c1}, gain={gain}: {i}");
        },
        Note = p => $"{p.Count("constant")} instances with reward constant on the support, {p.Drawn.Count - p.Count("constant")} non-constant (reward gaps ≥ 0.1, data mass ≥ 0.05/|Y|, β ∈ [0.1, 10])",
    };

    /// <summary>
    /// An instance for the equality iff whose non-constant case is far from rounding: β ∈ [0.1, 10], rewards in [−1,1]
    /// with gaps ≥ 0.1 on the support, data floored by mixing with uniform on its support; half constant on the support.
    /// </summary>
    public static SftThenRlInstance EqualityCase(CaseSeed c)
    {
        var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
        var q = s.Prompts(nx, 1, allowZeros: s.Bernoulli(0.3));
        var rows = new double[nx][];
        for (int x = 0; x < nx; x++)
        {
            var support = s.Subset(ny);
            var p = s.SimplexOn(ny, support, s.Pick(InstanceSampler.Alphas));
            rows[x] = p.Select(v => v == 0 ? 0 : 0.95 * v + 0.05 / support.Length).ToArray();
        }
        var data = TabularPolicy.FromProbabilities(rows);
        var r = s.Bernoulli(0.5)
            ? s.Rewards(nx, ny, RewardKind.ConstantOnDataSupport, 1, data)
            : s.SeparatedRewards(nx, ny, 0.1, 1.0);
        return new SftThenRlInstance(q, data, data, r, s.Beta(0.1, 10));
    }

    public static Statement<SftThenRlInstance> Hoeffding { get; } = new()
    {
        Id = "thm31-hoeffding-bound",
        Text = "Under (10): 0 ≤ C1(β) ≤ E_q[(max_supp r − min_supp r)²]/(8β²) ≤ R_max²/(2β²) [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = SftOptimal,
        Sides = i =>
        {
            var c1 = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
            var h = SftThenRlCoupling.HoeffdingBound(i.Q, i.Data, i.R, i.Beta);
            var crude = SftThenRlCoupling.RMaxBound(i.R, i.Beta);
            return new CaseEvaluation()
                .AtMost("C1 ≤ E_q[(max − min)²]/(8β²)", c1, h, () => $"C1={c1} > Hoeffding {h}: {i}", Scale(i))
                .AtMost("Hoeffding ≤ R_max²/(2β²)", h, crude, () => $"Hoeffding {h} > R_max²/(2β²) {crude}: {i}");
        },
    };

    /// <summary>The largest reward range on the data support over the prompts q charges.</summary>
    private static double Range(SftThenRlInstance i) => i.Q.Support.Max(x => { var (mx, mn) = i.R.RangeOn(x, i.Data); return mx - mn; });

    public static Statement<BetaSweep> BetaMonotone { get; } = new()
    {
        Id = "thm31-beta-monotone",
        Text = "Under (10): C1(β) is non-increasing in β, → E_q Var(r)/(2β²) as β → ∞ and ~ E_q[(max r − E r)/β + log p_D(argmax)] as β → 0 [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c =>
        {
            var (s, i) = (c.Sampler, SftOptimal(c));
            double b1 = s.Beta(), b2 = s.Beta();
            if (b1 > b2) (b1, b2) = (b2, b1);
            var range = Range(i);
            var big = range > 0 ? 50 * range * s.Uniform(1, 20) : double.NaN; // β ≥ 50·range; none when r is constant on the support
            return new BetaSweep(i, b1, b2, big, s.Beta(1e-3, 1e-1));
        },
        Sides = sweep =>
        {
            var (i, b1, b2, big, tiny) = sweep;
            var e = new CaseEvaluation();
            var c1Small = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, b1);
            var c1Large = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, b2);
            e.AtMost("C1(β₂) ≤ C1(β₁) for β₁ < β₂", c1Large, c1Small, () => $"C1({b1})={c1Small} < C1({b2})={c1Large}: {i}", 1 + i.R.RMax / b1);
            // β → ∞: relative error of the variance asymptote ≤ range/β (third-cumulant term ≈ range/(3β)), at β ≥ 50·range.
            if (!double.IsNaN(big))
            {
                var exact = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, big);
                var asym = SftThenRlCoupling.LargeBetaAsymptote(i.Q, i.Data, i.R, big);
                if (asym > Tolerances.AbsoluteFloor)
                    e.AtMost("|C1/asymptote − 1| ≤ range/β as β → ∞", Math.Abs(exact / asym - 1), Range(i) / big, () => $"large-beta asymptote: beta={big}, C1={exact}, asymptote={asym}: {i}");
            }
            // β → 0: |C1 − asymptote| ≤ E_q[p_D(off)/p_D(argmax)·e^{−Δ/β}] (log(1+u) ≤ u).
            var c1Tiny = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, tiny);
            var small = SftThenRlCoupling.SmallBetaAsymptote(i.Q, i.Data, i.R, tiny);
            var remainder = SftThenRlCoupling.SmallBetaRemainderBound(i.Q, i.Data, i.R, tiny);
            return e.AtMost("|C1 − asymptote| ≤ remainder as β → 0", Math.Abs(c1Tiny - small), remainder + Tolerances.Slack(1 + i.R.RMax / tiny, c1Tiny, small),
                () => $"small-beta asymptote: beta={tiny}, C1={c1Tiny}, asymptote={small}, bound={remainder}: {i}");
        },
        Note = _ => "checked at random β pairs in [1e-2,1e2], β ≥ 50·range for the large-β asymptote, β ∈ [1e-3,1e-1] for the small-β one",
    };

    /// <summary>Random search over unrestricted checkpoints p⁽¹⁾ ≠ p_D (full support, any reward family): a witness has C1 &lt; 0.</summary>
    public static int NegativeC1Found(InstanceSampler s, int draws) =>
        Enumerable.Range(0, draws).Count(_ =>
        {
            var (nx, ny) = SizeRange.Tables.Draw(s);
            var i = TheoremInstances.General(s, nx, ny);
            return SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta) < 0;
        });

    public static Statement<SftThenRlInstance> NegativeWithoutOptimality { get; } = new()
    {
        Id = "thm31-negative-without-optimality",
        Text = "Without (10), C1 < 0 is possible: with p_D on the reward argmax and p⁽¹⁾ = (1−ε)p_D + ε·unif, RL lowers the SFT loss [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c => TheoremInstances.Underfitted(c.Sampler, c.Size.Prompts, c.Size.Responses),
        Sides = i =>
        {
            var c1 = C1(i);
            return new CaseEvaluation().Less("C1 < 0", c1, 0, () => $"C1 = {c1} ≥ 0: {i}");
        },
        Conclude = p =>
        {
            var negative = NegativeC1Found(p.Sampler, p.RequestedCases);
            return new CaseEvaluation().Count("negative", negative).Less("random search finds C1 < 0", 0, negative, () => "random search found no instance with C1 < 0");
        },
        Note = p =>
        {
            var (negative, n) = (p.Conclusion["negative"], p.RequestedCases);
            return $"C1 < 0 in every under-fitted instance; {negative}/{n} ({100.0 * negative / n:F0}%) of unrestricted random p⁽¹⁾ ≠ p_D";
        },
    };

    public static Statement<SftThenRlInstance> PointMassZero { get; } = new()
    {
        Id = "thm31-point-mass-zero",
        Text = "Point-mass SFT data (CoLA-like) with (10): p⁽²⁾ = p⁽¹⁾ and C1 = 0 — Theorem 3.1 predicts no degradation there [derived]",
        Source = CheckSource.Derived,
        Expected = Verdict.Holds,
        Sizes = SizeRange.Tables,
        Instance = c =>
        {
            var (s, nx, ny) = (c.Sampler, c.Size.Prompts, c.Size.Responses);
            var data = s.PointMass(nx, ny);
            var q = s.Prompts(nx, 1, s.Bernoulli(0.3));
            return new SftThenRlInstance(q, data, data, s.Rewards(nx, ny, RewardKind.Uniform, s.Uniform(0.1, 3)), s.Beta());
        },
        Sides = i =>
        {
            var c1 = C1(i);
            var p2 = i.RlCheckpoint;
            var tv = i.Q.Support.Max(x => Divergence.TotalVariation(p2, i.Data, x));
            return new CaseEvaluation()
                .Equal("C1 = 0", c1, 0, () => $"C1 = {c1} for point-mass data p_D={i.Data}, {i.R}, beta={i.Beta}", 1 + i.R.RMax / i.Beta)
                .Equal("p⁽²⁾ = p⁽¹⁾ (TV = 0)", tv, 0, () => $"p2 moved: TV={tv}");
        },
        Note = _ => "the observed CoLA degradation must come from p⁽¹⁾ ≠ p_D, parameter sharing or GRPO ≠ exact optimiser",
    };

    /// <summary>The lead-in's counterexample: p_D = p⁽¹⁾ = (½,½), r = (1,−1), β = 1, ε = 2.</summary>
    public static (SftThenRlInstance Instance, double Epsilon) LeadInCounterexample =>
        (new SftThenRlInstance(PromptDistribution.Uniform(1), TabularPolicy.FromProbabilities([[0.5, 0.5]]), TabularPolicy.FromProbabilities([[0.5, 0.5]]), new RewardTable([[1.0, -1.0]]), 1.0), 2.0);

    public static Statement<(SftThenRlInstance Instance, double Epsilon)> LeadInAsPrinted { get; } = new()
    {
        Id = "thm31-lead-in-as-printed",
        Text = "Informal lead-in to §3: L(p⁽¹⁾) ≤ ε_SFT ⇒ L(p⁽²⁾) ≥ ε_SFT + δ(β) with δ > 0 whenever RL gains reward",
        Source = CheckSource.Paper,
        Expected = Verdict.Refuted,
        Named = [LeadInCounterexample],
        CaseCount = _ => 0,
        Instance = _ => LeadInCounterexample,
        Sides = c =>
        {
            var (i, epsilon) = c;
            var e = new CaseEvaluation();
            var l1 = SftLoss.Expected(i.Q, i.Data, i.SftCheckpoint);
            if (!(l1 <= epsilon)) return e; // the premise fails: the lead-in says nothing
            var l2 = SftLoss.Expected(i.Q, i.Data, i.RlCheckpoint);
            var gain = RewardObjective.J(i.Q, i.RlCheckpoint, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
            // any ε ≥ L(p⁽¹⁾) satisfies the premise; the conclusion needs L(p⁽²⁾) > ε.
            return e.Less("ε < L(p⁽²⁾)", epsilon, l2,
                () => $"p_D=p1={i.Data}, {i.R}, beta={i.Beta}: L(p1)={l1:F6} ≤ eps={epsilon}, L(p2)={l2:F6} < eps although J rises by {gain:F6}");
        },
        Note = _ => "ε is only an upper bound on L(p⁽¹⁾); the identity gives L(p⁽²⁾) = L(p⁽¹⁾) + C1 ≤ ε + C1, so the correct form is C1 > 0 ⇔ reward gain (thm31-equality-iff)",
    };

    public static IEnumerable<TheoremStatement> All =>
        [Identity, Nonnegative, EqualityIff, Hoeffding, BetaMonotone, NegativeWithoutOptimality, PointMassZero, LeadInAsPrinted];
}
