namespace Reproduction.Theory;

/// <summary>A Theorem 3.1 instance: prompts q, SFT data p_D, SFT checkpoint p⁽¹⁾ (= π_ref of the RL phase), rewards, β.</summary>
public sealed record SftThenRlInstance(PromptDistribution Q, TabularPolicy Data, TabularPolicy SftCheckpoint, RewardTable R, double Beta)
{
    public TabularPolicy RlCheckpoint => SftThenRlCoupling.RlCheckpoint(SftCheckpoint, R, Beta);
    public override string ToString() => $"{Q}, p_D={Data}, p1={SftCheckpoint}, {R}, beta={Beta:G6}";
}

/// <summary>An RL-then-SFT instance: p₁ = p* for (π_ref, r, β), and an arbitrary later policy p₂ (the SFT checkpoint).</summary>
public sealed record RlThenSftInstance(PromptDistribution Q, TabularPolicy RefPolicy, RewardTable R, double Beta, TabularPolicy P2)
{
    public TabularPolicy P1 => GibbsOptimum.Optimum(RefPolicy, R, Beta);
    public override string ToString() => $"{Q}, ref={RefPolicy}, {R}, beta={Beta:G6}, p2={P2}";
}

/// <summary>Seeded instance families of paper.md §3.6 (|X| ∈ [1,5], |Y| ∈ [2,6]), shared by the CLI checks and the FsCheck generators.</summary>
public static class TheoremInstances
{
    public const int MaxPrompts = 5, MinResponses = 2, MaxResponses = 6;

    /// <summary>(10) holds: p⁽¹⁾ = p_D (rows may have zeros), any reward family, β log-uniform in [1e-2, 1e2], q possibly with zeros.</summary>
    public static SftThenRlInstance SftOptimal(InstanceSampler s, int prompts, int responses)
    {
        var alpha = s.Pick(InstanceSampler.Alphas);
        var q = s.Prompts(prompts, s.Pick(InstanceSampler.Alphas), allowZeros: s.Bernoulli(0.3));
        var data = s.Bernoulli(0.5) ? s.Policy(prompts, responses, alpha) : s.SparsePolicy(prompts, responses, alpha);
        var kind = s.Pick(Enum.GetValues<RewardKind>());
        var r = s.Rewards(prompts, responses, kind, s.Uniform(0.1, 3), data);
        return new SftThenRlInstance(q, data, data, r, s.Beta());
    }

    /// <summary>(10) fails: p⁽¹⁾ is any policy with full support (so it covers supp p_D).</summary>
    public static SftThenRlInstance General(InstanceSampler s, int prompts, int responses)
    {
        var inst = SftOptimal(s, prompts, responses);
        return inst with { SftCheckpoint = s.Policy(prompts, responses, s.Pick(InstanceSampler.Alphas)) };
    }

    /// <summary>
    /// The counter-regime of §3.4(h): data on the reward argmax, p⁽¹⁾ = (1−ε)p_D + ε·unif leaks mass to worse responses,
    /// and r is non-constant, so C1 &lt; 0 strictly (RL improves the SFT loss). Needs ≥ 2 distinct reward values per prompt.
    /// </summary>
    public static SftThenRlInstance Underfitted(InstanceSampler s, int prompts, int responses)
    {
        var q = s.Prompts(prompts, s.Pick(InstanceSampler.Alphas), allowZeros: false);
        var r = s.SeparatedRewards(prompts, responses, 0.1, s.Uniform(0.5, 2));
        var data = s.DataOnArgmax(r, s.Pick(InstanceSampler.Alphas));
        var p1 = data.MixWith(TabularPolicy.Uniform(prompts, responses), s.Uniform(0.05, 0.9));
        return new SftThenRlInstance(q, data, p1, r, s.Beta(0.05, 20));
    }

    /// <summary>p₁ = p*(π_ref, r, β) with π_ref of full support or sparse, and p₂ absolutely continuous w.r.t. p₁ (finite KL).</summary>
    public static RlThenSftInstance RlThenSft(InstanceSampler s, int prompts, int responses)
    {
        var q = s.Prompts(prompts, s.Pick(InstanceSampler.Alphas), allowZeros: s.Bernoulli(0.3));
        var refPolicy = s.Bernoulli(0.6) ? s.Policy(prompts, responses, s.Pick(InstanceSampler.Alphas)) : s.SparsePolicy(prompts, responses, 1.0);
        var r = s.Rewards(prompts, responses, s.Pick(new[] { RewardKind.BinaryPlusMinusOne, RewardKind.Uniform, RewardKind.Constant }), s.Uniform(0.1, 3));
        var p2 = SupportedOn(s, refPolicy);
        return new RlThenSftInstance(q, refPolicy, r, s.Beta(0.05, 20), p2);
    }

    /// <summary>A random policy whose support is contained in the support of <paramref name="support"/>.</summary>
    public static TabularPolicy SupportedOn(InstanceSampler s, TabularPolicy support)
    {
        var alpha = s.Pick(InstanceSampler.Alphas);
        var rows = new double[support.Prompts][];
        for (int x = 0; x < rows.Length; x++)
        {
            var on = Enumerable.Range(0, support.Responses).Where(y => support.InSupport(x, y)).ToArray();
            rows[x] = s.SimplexOn(support.Responses, on, alpha);
        }
        return TabularPolicy.FromProbabilities(rows);
    }
}
