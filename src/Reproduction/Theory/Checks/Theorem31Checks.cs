namespace Reproduction.Theory.Checks;

/// <summary>Theorem 3.1, SFT-then-RL (paper.md §2, §3.4).</summary>
public static class Theorem31Checks
{
    private static (int, int) Sizes(InstanceSampler s) => (s.Int(1, TheoremInstances.MaxPrompts), s.Int(TheoremInstances.MinResponses, TheoremInstances.MaxResponses));

    private static double Scale(SftThenRlInstance i) => 1 + i.R.RMax / i.Beta;

    public static TheoryCheck Identity => new("thm31-identity",
        "For any SFT checkpoint covering supp p_D: C1 = L(p⁽²⁾) − L(p⁽¹⁾) = E_q[log Z_β − E_{p_D} r/β] = E_q[KL(p_D‖p⁽²⁾) − KL(p_D‖p⁽¹⁾)] (Eq. 11/13)",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-identity");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = s.Bernoulli(0.5) ? TheoremInstances.General(s, nx, ny) : TheoremInstances.SftOptimal(s, nx, ny);
                var direct = SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var formula = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var kl = SftThenRlCoupling.C1AsKlDifference(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var scale = Scale(i) + SftLoss.Expected(i.Q, i.Data, i.SftCheckpoint);
                t.Equal(direct, formula, () => $"direct {direct} vs formula {formula}: {i}", scale);
                t.Equal(direct, kl, () => $"direct {direct} vs KL difference {kl}: {i}", scale);
            }
            return new CheckOutcome(t, "half the cases satisfy (10), half do not; the identity needs no optimality");
        });

    public static TheoryCheck Nonnegative => new("thm31-nonnegative",
        "Under (10) p⁽¹⁾ = p_D: C1(β) = E_q KL(p_D‖p⁽²⁾) ≥ 0, and J(p⁽²⁾) − J(p⁽¹⁾) = β·E_q Jeffreys(p⁽¹⁾,p⁽²⁾) ≥ 0",
        CheckSource.Paper, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-nonnegative");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = TheoremInstances.SftOptimal(s, nx, ny);
                var c1 = SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var p2 = i.RlCheckpoint;
                var kl = Divergence.ExpectedKl(i.Q, i.Data, p2);
                t.AtMost(0, c1, () => $"C1 = {c1} < 0 under (10): {i}", Scale(i));
                t.Equal(c1, kl, () => $"C1 {c1} vs E_q KL(p_D||p2) {kl}: {i}", Scale(i));
                var gain = RewardObjective.J(i.Q, p2, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
                var jeffreys = i.Q.Expect(x => SftThenRlCoupling.RewardGainAsJeffreys(i.SftCheckpoint, p2, i.Beta, x));
                t.Equal(gain, jeffreys, () => $"reward gain {gain} vs beta·Jeffreys {jeffreys}: {i}", i.R.RMax);
            }
            return new CheckOutcome(t, "C1 ≥ 0 is the paper's claim; C1 = E_q KL and the Jeffreys reward gain are derived (§3.4(a),(d))");
        });

    public static TheoryCheck EqualityIff => new("thm31-equality-iff",
        "Under (10): C1 = 0 ⇔ r(x,·) constant on supp p_D(·|x) for q-a.e. x ⇔ J(p⁽²⁾) = J(p⁽¹⁾) (no reward gain) [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-equality-iff");
            var t = new MarginTracker();
            int constant = 0;
            for (int c = 0; c < ctx.Cases; c++)
            {
                var i = EqualityCaseInstance(s);
                var isConstant = i.Q.Support.All(x => i.R.IsConstantOnSupport(x, i.Data));
                if (isConstant) constant++;
                var c1 = SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var gain = RewardObjective.J(i.Q, i.RlCheckpoint, i.R) - RewardObjective.J(i.Q, i.SftCheckpoint, i.R);
                var slack = Tolerances.Slack(Scale(i), c1, 0);
                bool c1Zero = Math.Abs(c1) <= slack, gainZero = Math.Abs(gain) <= Tolerances.Slack(i.R.RMax, gain, 0);
                t.Record(isConstant ? -Math.Abs(c1) : c1, c1Zero == isConstant && gainZero == isConstant,
                    () => $"constant on support={isConstant}, C1={c1}, gain={gain}: {i}");
            }
            return new CheckOutcome(t, $"{constant} instances with reward constant on the support, {ctx.Cases - constant} non-constant (reward gaps ≥ 0.1, data mass ≥ 0.05/|Y|, β ∈ [0.1, 10])");
        });

    /// <summary>
    /// An instance for the equality iff whose non-constant case is far from rounding: β ∈ [0.1, 10], rewards in [−1,1]
    /// with gaps ≥ 0.1 on the support, data floored by mixing with uniform on its support; half constant on the support.
    /// </summary>
    public static SftThenRlInstance EqualityCaseInstance(InstanceSampler s)
    {
        var (nx, ny) = Sizes(s);
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

    public static TheoryCheck Hoeffding => new("thm31-hoeffding-bound",
        "Under (10): 0 ≤ C1(β) ≤ E_q[(max_supp r − min_supp r)²]/(8β²) ≤ R_max²/(2β²) [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-hoeffding-bound");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = TheoremInstances.SftOptimal(s, nx, ny);
                var c1 = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                var h = SftThenRlCoupling.HoeffdingBound(i.Q, i.Data, i.R, i.Beta);
                var crude = SftThenRlCoupling.RMaxBound(i.R, i.Beta);
                t.AtMost(c1, h, () => $"C1={c1} > Hoeffding {h}: {i}", Scale(i));
                t.AtMost(h, crude, () => $"Hoeffding {h} > R_max²/(2β²) {crude}: {i}");
            }
            return new CheckOutcome(t);
        });

    public static TheoryCheck BetaMonotone => new("thm31-beta-monotone",
        "Under (10): C1(β) is non-increasing in β, → E_q Var(r)/(2β²) as β → ∞ and ~ E_q[(max r − E r)/β + log p_D(argmax)] as β → 0 [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-beta-monotone");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = TheoremInstances.SftOptimal(s, nx, ny);
                double b1 = s.Beta(), b2 = s.Beta();
                if (b1 > b2) (b1, b2) = (b2, b1);
                var c1Small = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, b1);
                var c1Large = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, b2);
                t.AtMost(c1Large, c1Small, () => $"C1({b1})={c1Small} < C1({b2})={c1Large}: {i}", 1 + i.R.RMax / b1);
                // β → ∞: relative error of the variance asymptote ≤ range/β (third-cumulant term ≈ range/(3β)), at β ≥ 50·range.
                var range = i.Q.Support.Max(x => { var (mx, mn) = i.R.RangeOn(x, i.Data); return mx - mn; });
                if (range > 0)
                {
                    var big = 50 * range * s.Uniform(1, 20);
                    var exact = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, big);
                    var asym = SftThenRlCoupling.LargeBetaAsymptote(i.Q, i.Data, i.R, big);
                    if (asym > Tolerances.AbsoluteFloor)
                        t.AtMost(Math.Abs(exact / asym - 1), range / big, () => $"large-beta asymptote: beta={big}, C1={exact}, asymptote={asym}: {i}");
                }
                // β → 0: |C1 − asymptote| ≤ E_q[p_D(off)/p_D(argmax)·e^{−Δ/β}] (log(1+u) ≤ u).
                var tiny = s.Beta(1e-3, 1e-1);
                var c1Tiny = SftThenRlCoupling.C1Formula(i.Q, i.Data, i.Data, i.R, tiny);
                var small = SftThenRlCoupling.SmallBetaAsymptote(i.Q, i.Data, i.R, tiny);
                var remainder = SftThenRlCoupling.SmallBetaRemainderBound(i.Q, i.Data, i.R, tiny);
                t.AtMost(Math.Abs(c1Tiny - small), remainder + Tolerances.Slack(1 + i.R.RMax / tiny, c1Tiny, small),
                    () => $"small-beta asymptote: beta={tiny}, C1={c1Tiny}, asymptote={small}, bound={remainder}: {i}");
            }
            return new CheckOutcome(t, "checked at random β pairs in [1e-2,1e2], β ≥ 50·range for the large-β asymptote, β ∈ [1e-3,1e-1] for the small-β one");
        });

    public static TheoryCheck NegativeWithoutOptimality => new("thm31-negative-without-optimality",
        "Without (10), C1 < 0 is possible: with p_D on the reward argmax and p⁽¹⁾ = (1−ε)p_D + ε·unif, RL lowers the SFT loss [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-negative-without-optimality");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = TheoremInstances.Underfitted(s, nx, ny);
                var c1 = SftThenRlCoupling.C1Direct(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta);
                t.Record(-c1, c1 < 0, () => $"C1 = {c1} ≥ 0: {i}");
            }
            int negative = 0, n = ctx.Cases;
            for (int c = 0; c < n; c++)
            {
                var (nx, ny) = Sizes(s);
                var i = TheoremInstances.General(s, nx, ny);
                if (SftThenRlCoupling.C1Formula(i.Q, i.Data, i.SftCheckpoint, i.R, i.Beta) < 0) negative++;
            }
            t.Record(negative, negative > 0, () => "random search found no instance with C1 < 0");
            return new CheckOutcome(t, $"C1 < 0 in every under-fitted instance; {negative}/{n} ({100.0 * negative / n:F0}%) of unrestricted random p⁽¹⁾ ≠ p_D");
        });

    public static TheoryCheck PointMassZero => new("thm31-point-mass-zero",
        "Point-mass SFT data (CoLA-like) with (10): p⁽²⁾ = p⁽¹⁾ and C1 = 0 — Theorem 3.1 predicts no degradation there [derived]",
        CheckSource.Derived, Verdict.Holds, ctx =>
        {
            var s = ctx.SamplerFor("thm31-point-mass-zero");
            var t = new MarginTracker();
            for (int c = 0; c < ctx.Cases; c++)
            {
                var (nx, ny) = Sizes(s);
                var data = s.PointMass(nx, ny);
                var q = s.Prompts(nx, 1, s.Bernoulli(0.3));
                var r = s.Rewards(nx, ny, RewardKind.Uniform, s.Uniform(0.1, 3));
                var beta = s.Beta();
                var c1 = SftThenRlCoupling.C1Direct(q, data, data, r, beta);
                t.Equal(c1, 0, () => $"C1 = {c1} for point-mass data p_D={data}, {r}, beta={beta}", 1 + r.RMax / beta);
                var p2 = SftThenRlCoupling.RlCheckpoint(data, r, beta);
                var tv = q.Support.Max(x => Divergence.TotalVariation(p2, data, x));
                t.Equal(tv, 0, () => $"p2 moved: TV={tv}");
            }
            return new CheckOutcome(t, "the observed CoLA degradation must come from p⁽¹⁾ ≠ p_D, parameter sharing or GRPO ≠ exact optimiser");
        });

    public static TheoryCheck LeadInAsPrinted => new("thm31-lead-in-as-printed",
        "Informal lead-in to §3: L(p⁽¹⁾) ≤ ε_SFT ⇒ L(p⁽²⁾) ≥ ε_SFT + δ(β) with δ > 0 whenever RL gains reward",
        CheckSource.Paper, Verdict.Refuted, ctx =>
        {
            var t = new MarginTracker();
            var q = PromptDistribution.Uniform(1);
            var data = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
            var r = new RewardTable([[1.0, -1.0]]);
            var l1 = SftLoss.Expected(q, data, data);
            var l2 = SftLoss.Expected(q, data, SftThenRlCoupling.RlCheckpoint(data, r, 1.0));
            var epsilon = 2.0; // any ε ≥ L(p⁽¹⁾) satisfies the premise; the conclusion needs L(p⁽²⁾) > ε.
            t.Record(l2 - epsilon, l2 > epsilon,
                () => $"p_D=p1=(0.5,0.5), r=(1,-1), beta=1: L(p1)={l1:F6} ≤ eps={epsilon}, L(p2)={l2:F6} < eps although J rises by {RewardObjective.J(q, SftThenRlCoupling.RlCheckpoint(data, r, 1.0), r):F6}");
            return new CheckOutcome(t, "ε is only an upper bound on L(p⁽¹⁾); the identity gives L(p⁽²⁾) = L(p⁽¹⁾) + C1 ≤ ε + C1, so the correct form is C1 > 0 ⇔ reward gain (thm31-equality-iff)");
        });

    public static IEnumerable<TheoryCheck> All =>
        [Identity, Nonnegative, EqualityIff, Hoeffding, BetaMonotone, NegativeWithoutOptimality, PointMassZero, LeadInAsPrinted];
}
