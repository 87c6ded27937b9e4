using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;
using Reproduction.Theory.Trainers;

namespace Repro.Tests.Theorems;

/// <summary>Both couplings as stochastic dynamics of the tabular GRPO (paper.md §3.4 "Stochastic variant", §3.5).</summary>
public sealed class TabularGrpoProperties
{
    [Property(MaxTest = Suite.Cases)]
    public Property From_p1_equal_pD_GRPO_steps_raise_the_SFT_loss_when_the_reward_is_not_constant_on_the_support() =>
        StatementProperties.HoldsOnEveryCase(GrpoStatements.SftThenRlDynamics);

    /// <summary>A run of the statement with another seed: max(20, 1000/5) = 200 seeded instances, the required fraction over them.</summary>
    [Fact]
    public void Over_many_seeded_instances_GRPO_from_pD_raises_reward_and_SFT_loss_together()
    {
        var r = GrpoStatements.SftThenRlDynamics.Check(new CheckContext(7, 1000));
        Assert.True(r.Verdict == Verdict.Holds, r.Detail);
        Assert.Equal(2 * 200, r.Cases); // each instance once for ΔL > 0 and once in the fraction
    }

    [Fact]
    public void Over_many_seeded_instances_SFT_on_data_off_the_reward_argmax_lowers_the_reward_of_an_RL_converged_policy()
    {
        var r = GrpoStatements.RlThenSftDynamics.Check(new CheckContext(8, 1000));
        Assert.True(r.Verdict == Verdict.Holds, r.Detail);
        Assert.Equal(200, r.Cases);
    }

    [Property(MaxTest = Suite.Cases)]
    public Property GRPO_leaves_the_policy_unchanged_when_every_group_has_a_constant_reward_and_there_is_no_KL_penalty() =>
        Prop.ForAll(Generators.Instances(ClosedFormStatements.Support), g =>
        {
            var c = g.Value;
            var r = RewardTable.Constant(c.R.Prompts, c.R.Responses, 0.5);
            var after = TabularGrpo.Run(c.Q, c.RefPolicy, r, c.RefPolicy, new GrpoOptions(5, Seed: g.Spec.Seed));
            for (int x = 0; x < c.Q.Count; x++) Assert.Equal(0.0, Divergence.TotalVariation(after, c.RefPolicy, x), 12);
        });

    [Property(MaxTest = Suite.Cases)]
    public Property Group_normalised_advantages_have_zero_mean_and_unit_standard_deviation() =>
        Prop.ForAll(Generators.From((s, _, ny) => Enumerable.Range(0, 2 * ny).Select(_ => s.Uniform(-1, 1)).ToArray()), g =>
        {
            var a = TabularGrpo.GroupAdvantages(g.Value);
            Assert.Equal(0.0, a.Average(), 9);
            var std = Math.Sqrt(a.Sum(v => v * v) / a.Length);
            Assert.Equal(1.0, std, 4); // (r − mean)/(std + 1e-6): the ε shifts the unit std by ~1e-6/std
        });

    [Fact]
    public void GRPO_is_deterministic_for_a_fixed_seed_and_differs_across_seeds()
    {
        var i = GrpoStatements.SftThenRlDynamics.Draw(new InstanceSampler(3)).Instance;
        var a = TabularGrpo.Run(i.Q, i.Data, i.R, i.Data, new GrpoOptions(20, Seed: 5));
        var b = TabularGrpo.Run(i.Q, i.Data, i.R, i.Data, new GrpoOptions(20, Seed: 5));
        var c = TabularGrpo.Run(i.Q, i.Data, i.R, i.Data, new GrpoOptions(20, Seed: 6));
        Assert.Equal(a.Probabilities(), b.Probabilities());
        Assert.NotEqual(a.Probabilities(), c.Probabilities());
    }

    [Fact]
    public void Without_a_KL_penalty_GRPO_collapses_onto_the_argmax_and_the_SFT_loss_grows_without_bound()
    {
        var q = PromptDistribution.Uniform(1);
        var data = TabularPolicy.FromProbabilities([[0.25, 0.25, 0.5]]);
        var r = new RewardTable([[1.0, 0.0, -1.0]]);
        var losses = new List<double>();
        var final = TabularGrpo.Run(q, data, r, data, new GrpoOptions(400, Seed: 1), (k, pi) => { if (k % 100 == 0) losses.Add(SftLoss.Expected(q, data, pi)); });
        Assert.True(final[0, 0] > 0.99, $"p(argmax) = {final[0, 0]}");
        Assert.True(SftLoss.Expected(q, data, final) > SftLoss.Expected(q, data, data) + 2);
        for (int k = 1; k < losses.Count; k++) Assert.True(losses[k] > losses[k - 1]);
    }

    [Fact]
    public void The_KL_penalty_keeps_GRPO_near_the_reference_policy()
    {
        var q = PromptDistribution.Uniform(1);
        var data = TabularPolicy.FromProbabilities([[0.25, 0.25, 0.5]]);
        var r = new RewardTable([[1.0, 0.0, -1.0]]);
        var free = TabularGrpo.Run(q, data, r, data, new GrpoOptions(200, Seed: 1));
        var tied = TabularGrpo.Run(q, data, r, data, new GrpoOptions(200, KlCoefficient: 1.0, Seed: 1));
        Assert.True(Divergence.Kl(tied, data, 0) < Divergence.Kl(free, data, 0));
    }

    /// <summary>Central finite difference of f along the logit (x, y), step h.</summary>
    internal static double FiniteDifference(Func<TabularPolicy, double> f, TabularPolicy pi, int x, int y, double h)
    {
        TabularPolicy Shift(double d)
        {
            var t = pi.Logits();
            t[x][y] += d;
            return TabularPolicy.FromLogits(t);
        }
        return (f(Shift(h)) - f(Shift(-h))) / (2 * h);
    }

    /// <summary>Central differences with h = 1e-5: truncation ~h²·|f‴| ≈ 1e-10, rounding ~1e-16/h ≈ 1e-11, both relative to the
    /// gradient's magnitude (k3 gradients reach ~500 when π ≪ π_ref); 1e-7 relative (absolute below 1) is far above both.</summary>
    internal const double FiniteDifferenceTolerance = 1e-7;

    [Property(MaxTest = Suite.Cases)]
    public Property The_GRPO_surrogate_gradient_matches_finite_differences_of_the_clipped_surrogate_with_k3() =>
        Prop.ForAll(Generators.From((s, nx, ny) =>
        {
            var old = s.Policy(nx, ny, 1);
            var pi = TabularPolicy.FromLogits(old.Logits().Select(row => row.Select(v => v + 0.3 * s.Normal()).ToArray()).ToArray());
            var refPolicy = s.Policy(nx, ny, 1);
            var batch = Enumerable.Range(0, 3).Select(_ =>
            {
                var x = s.Int(0, nx - 1);
                var ys = Enumerable.Range(0, 4).Select(_ => s.Int(0, ny - 1)).ToArray();
                return (X: x, Ys: ys, A: TabularGrpo.GroupAdvantages(ys.Select(_ => s.Uniform(-1, 1)).ToArray()));
            }).ToArray();
            return (Pi: pi, Old: old, Ref: refPolicy, Batch: batch, Options: new GrpoOptions(1, GroupSize: 4, KlCoefficient: s.Uniform(0, 1)));
        }), g =>
        {
            var (pi, old, refPolicy, batch, o) = g.Value;
            // Samples sitting on a clip boundary make the surrogate non-differentiable there: skip such draws.
            foreach (var (x, ys, _) in batch)
                foreach (var y in ys)
                {
                    var rho = Math.Exp(pi.Log(x, y) - old.Log(x, y));
                    if (Math.Abs(rho - (1 + o.ClipEpsilon)) < 1e-3 || Math.Abs(rho - (1 - o.ClipEpsilon)) < 1e-3) return;
                }
            var grad = TabularGrpo.SurrogateGradient(pi, old, refPolicy, batch, o);
            for (int x = 0; x < pi.Prompts; x++)
                for (int y = 0; y < pi.Responses; y++)
                {
                    var fd = FiniteDifference(p => TabularGrpo.SurrogateObjective(p, old, refPolicy, batch, o), pi, x, y, 1e-5);
                    Assert.True(Math.Abs(fd - grad[x][y]) <= FiniteDifferenceTolerance * Math.Max(1, Math.Abs(grad[x][y])), $"d/dθ[{x},{y}]: analytic {grad[x][y]} vs finite difference {fd}");
                }
        });

    [Fact]
    public void A_sample_whose_ratio_left_the_clip_range_in_the_direction_of_its_advantage_contributes_no_gradient()
    {
        var old = TabularPolicy.FromProbabilities([[0.5, 0.5]]);
        var pi = TabularPolicy.FromProbabilities([[0.7, 0.3]]); // ρ(y=0) = 1.4 > 1 + ε
        var o = new GrpoOptions(1, GroupSize: 1, ClipEpsilon: 0.2);
        var clipped = TabularGrpo.SurrogateGradient(pi, old, old, [(0, new[] { 0 }, new[] { 1.0 })], o);
        Assert.All(clipped[0], v => Assert.Equal(0.0, v));
        var active = TabularGrpo.SurrogateGradient(pi, old, old, [(0, new[] { 0 }, new[] { -1.0 })], o); // A < 0: not clipped
        Assert.True(active[0][0] < 0);
    }
}
