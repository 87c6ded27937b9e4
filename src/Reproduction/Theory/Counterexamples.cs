namespace Reproduction.Theory;

/// <summary>An RL-then-SFT instance meant to test Theorem 4.1 as printed, with the Assumption 3 interval [a, A].</summary>
public sealed record Theorem41Instance(string Name, PromptDistribution Q, RewardTable R, TabularPolicy P1, TabularPolicy P2, double LowerA, double UpperA)
{
    public double Kl => Divergence.ExpectedKl(Q, P2, P1);
    public double J1 => RewardObjective.J(Q, P1, R);
    public double J2 => RewardObjective.J(Q, P2, R);

    /// <summary>Assumption 3 (Eq. 19): a ≤ E_q D_KL(p₂‖p₁) ≤ A with 0 &lt; a ≤ A &lt; ∞.</summary>
    public bool SatisfiesAssumption3 => LowerA > 0 && LowerA <= UpperA && UpperA < double.PositiveInfinity && Kl >= LowerA && Kl <= UpperA;

    /// <summary>Eq. (20) needs J(p₂) ≤ J(p₁) − C₂ with C₂ &gt; 0; it is refuted when Assumption 3 holds and J(p₂) ≥ J(p₁).</summary>
    public bool RefutesTheorem41 => SatisfiesAssumption3 && J2 >= J1;

    public override string ToString() =>
        $"{Name}: {Q}, {R}, p1={P1}, p2={P2}, E_q KL(p2||p1)={Kl:F6} in [a,A]=[{LowerA:G4},{UpperA:G4}], J(p1)={J1:F6}, J(p2)={J2:F6}";
}

/// <summary>The paper's errors, as concrete instances (paper.md §1.2, §3.2, §3.5).</summary>
public static class Counterexamples
{
    /// <summary>Eq. (5) as printed fails: p=(1,0), q=(0,1), f=(1,−1) gives |E_p f − E_q f| = 2 &gt; sup|f|·TV = 1.</summary>
    public static (double[] P, double[] Q, double[] F) Eq5 => ([1.0, 0.0], [0.0, 1.0], [1.0, -1.0]);

    private static TabularPolicy Row(params double[] p) => TabularPolicy.FromProbabilities([p]);
    private static RewardTable Rewards(params double[] r) => new([r]);
    private static readonly PromptDistribution OnePrompt = PromptDistribution.Uniform(1);

    /// <summary>(i) The public review's counterexample: r ≡ 0, p₁ = (.5,.5), p₂ = (.75,.25), KL = 0.130812 ∈ [0.1, 0.2]; J is constant.</summary>
    public static Theorem41Instance ZeroReward => new("(i) r=0", OnePrompt, Rewards(0, 0), Row(0.5, 0.5), Row(0.75, 0.25), 0.1, 0.2);

    /// <summary>
    /// (ii) p₁ = Gibbs optimum for π_ref = (.5,.5), r = (1,−1), β = 1, and SFT moves further along the tilt (p₂ = Gibbs at β = 0.5):
    /// J rises from tanh(1) = 0.7616 to tanh(2) = 0.9640 with KL = 0.0728.
    /// </summary>
    public static Theorem41Instance FurtherTilt
    {
        get
        {
            var refPolicy = Row(0.5, 0.5);
            var r = Rewards(1, -1);
            return new("(ii) tilt past the Gibbs optimum", OnePrompt, r, GibbsOptimum.Optimum(refPolicy, r, 1.0), GibbsOptimum.Optimum(refPolicy, r, 0.5), 0.05, 0.1);
        }
    }

    /// <summary>(iii) p₁ deterministic: every p₂ ≠ p₁ has KL(p₂‖p₁) = +∞, so Assumption 3 (a &gt; 0, A &lt; ∞) is unsatisfiable.</summary>
    public static Theorem41Instance Deterministic => new("(iii) deterministic p1", OnePrompt, Rewards(1, -1), Row(1, 0), Row(0.99, 0.01), 1e-3, 1e3);

    /// <summary>
    /// (iv) CoLA-like: p_D is a point mass on the correct label (r = +1, else −1); from the RL policy p₁ = Gibbs(uniform, r, β = 1),
    /// 20 SFT gradient steps (η = 0.5) raise J. Returns the instance with [a, A] = [KL/2, 2·KL].
    /// </summary>
    public static Theorem41Instance ColaLike
    {
        get
        {
            var r = Rewards(1, -1);
            var data = Row(1, 0);
            var p1 = GibbsOptimum.Optimum(Row(0.5, 0.5), r, 1.0);
            var p2 = Trainers.SftDescent.Run(OnePrompt, data, p1, new Trainers.GradientOptions(0.5, 20));
            var kl = Divergence.ExpectedKl(OnePrompt, p2, p1);
            return new("(iv) CoLA-like SFT on the correct label", OnePrompt, r, p1, p2, kl / 2, 2 * kl);
        }
    }

    public static IReadOnlyList<Theorem41Instance> Theorem41 => [ZeroReward, FurtherTilt, Deterministic, ColaLike];
}
