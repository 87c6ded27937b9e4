using FsCheck;
using FsCheck.Fluent;
using Reproduction.Theory;

namespace Repro.Tests.Theorems;

/// <summary>
/// What FsCheck generates: a seed and the table sizes (|X| ∈ [1,5], |Y| ∈ [2,6]). Each instance is materialised from it by
/// the library's seeded families (<see cref="TheoremInstances"/>), so a failing case prints a spec that reproduces it.
/// Shrinks toward |X| = 1, |Y| = 2 (paper.md §3.6: every phenomenon already appears with two responses).
/// </summary>
public sealed record InstanceSpec(int Seed, int Prompts, int Responses)
{
    public InstanceSampler Sampler() => new(Seed);

    public IEnumerable<InstanceSpec> Shrink()
    {
        if (Prompts > 1) yield return this with { Prompts = 1 };
        if (Responses > 2) yield return this with { Responses = 2 };
        if (Prompts > 2) yield return this with { Prompts = Prompts - 1 };
        if (Responses > 3) yield return this with { Responses = Responses - 1 };
    }
}

/// <summary>A generated value together with the spec it was built from (printed on failure).</summary>
public sealed record Generated<T>(InstanceSpec Spec, T Value)
{
    public override string ToString() => $"{Spec} => {Value}";
}

/// <summary>All generators of the theory suite (paper.md §3.6), in one place.</summary>
public static class Generators
{
    public static readonly Gen<InstanceSpec> Specs =
        from seed in Gen.Choose(0, int.MaxValue - 1)
        from nx in Gen.Choose(1, TheoremInstances.MaxPrompts)
        from ny in Gen.Choose(TheoremInstances.MinResponses, TheoremInstances.MaxResponses)
        select new InstanceSpec(seed, nx, ny);

    /// <summary>An arbitrary that builds T from a spec and shrinks by rebuilding from smaller specs.</summary>
    public static Arbitrary<Generated<T>> From<T>(Func<InstanceSampler, int, int, T> make)
    {
        Generated<T> Build(InstanceSpec s) => new(s, make(s.Sampler(), s.Prompts, s.Responses));
        return Arb.From(Specs.Select(Build), g => g.Spec.Shrink().Select(Build));
    }

    /// <summary>Theorem 3.1 under (10): p⁽¹⁾ = p_D, all reward families, β log-uniform in [1e-2, 1e2], q possibly with zeros.</summary>
    public static Arbitrary<Generated<SftThenRlInstance>> SftOptimal => From(TheoremInstances.SftOptimal);

    /// <summary>Theorem 3.1 without (10): p⁽¹⁾ any full-support policy.</summary>
    public static Arbitrary<Generated<SftThenRlInstance>> SftGeneral => From(TheoremInstances.General);

    /// <summary>The C1 &lt; 0 regime: data on the argmax, p⁽¹⁾ = (1−ε)p_D + ε·unif.</summary>
    public static Arbitrary<Generated<SftThenRlInstance>> Underfitted => From(TheoremInstances.Underfitted);

    /// <summary>The equality-case family (half constant on the support, half separated rewards).</summary>
    public static Arbitrary<Generated<SftThenRlInstance>> EqualityCase =>
        From((s, _, _) => Reproduction.Theory.Checks.Theorem31Checks.EqualityCaseInstance(s));

    /// <summary>CoLA-like point-mass data with the optimal SFT checkpoint p⁽¹⁾ = p_D (§3.4(h)).</summary>
    public static Arbitrary<Generated<SftThenRlInstance>> PointMassData => From((s, nx, ny) =>
    {
        var data = s.PointMass(nx, ny);
        return new SftThenRlInstance(s.Prompts(nx, 1, s.Bernoulli(0.3)), data, data, s.Rewards(nx, ny, RewardKind.Uniform, 2), s.Beta());
    });

    /// <summary>RL-then-SFT: p₁ = p*(π_ref, r, β), p₂ ≪ p₁.</summary>
    public static Arbitrary<Generated<RlThenSftInstance>> RlThenSft => From(TheoremInstances.RlThenSft);

    /// <summary>Two or three distributions on the same alphabet with a test function f, Dirichlet(α), α ∈ {0.1, 1, 10}.</summary>
    public static Arbitrary<Generated<(double[] P, double[] Q, double[] R, double[] F)>> Distributions =>
        From((s, _, ny) => (s.Simplex(ny, s.Pick(InstanceSampler.Alphas)), s.Simplex(ny, s.Pick(InstanceSampler.Alphas)),
            s.Simplex(ny, s.Pick(InstanceSampler.Alphas)), Enumerable.Range(0, ny).Select(_ => s.Uniform(-3, 3)).ToArray()));

    /// <summary>(q, π_ref, r, β, π) for the closed form: π_ref full or sparse, π ≪ π_ref.</summary>
    public static Arbitrary<Generated<ClosedFormCase>> ClosedForm => From((s, nx, ny) =>
    {
        var q = s.Prompts(nx, s.Pick(InstanceSampler.Alphas), s.Bernoulli(0.3));
        var refPolicy = s.Bernoulli(0.6) ? s.Policy(nx, ny, s.Pick(InstanceSampler.Alphas)) : s.SparsePolicy(nx, ny, 1);
        var r = s.Rewards(nx, ny, s.Pick(new[] { RewardKind.BinaryPlusMinusOne, RewardKind.Uniform, RewardKind.Constant }), s.Uniform(0.1, 3));
        return new ClosedFormCase(q, refPolicy, r, s.Beta(), TheoremInstances.SupportedOn(s, refPolicy), s.Beta());
    });

    /// <summary>A random tabular autoregressive model (1–3 prompts, 1–3 tokens + EOS, max length 0–3), with zero-probability tokens in some.</summary>
    public static Arbitrary<Generated<AutoregressiveModel>> Autoregressive(double zeroProbability) =>
        From((s, nx, ny) => s.Autoregressive(Math.Min(nx, 3), ny - 1 == 0 ? 1 : Math.Min(ny - 1, 3), s.Int(0, 3), s.Uniform(0.5, 3), zeroProbability));

    /// <summary>A seed only (for the trainer-based properties whose instance families are fixed in the library).</summary>
    public static Arbitrary<Generated<InstanceSampler>> Samplers => From((s, _, _) => s);
}

/// <summary>A closed-form test case: q, π_ref, r, β, a competitor π ≪ π_ref, and a second β.</summary>
public sealed record ClosedFormCase(PromptDistribution Q, TabularPolicy RefPolicy, RewardTable R, double Beta, TabularPolicy Pi, double OtherBeta)
{
    public TabularPolicy PStar => GibbsOptimum.Optimum(RefPolicy, R, Beta);
    public override string ToString() => $"{Q}, ref={RefPolicy}, {R}, beta={Beta:G6}, pi={Pi}, beta'={OtherBeta:G6}";
}
