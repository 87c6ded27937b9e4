namespace Reproduction.Theory.Trainers;

/// <summary>
/// A stochastic tabular GRPO (§3.0, §3.4 "Stochastic variant"): group sampling, group-normalised advantages, PPO ratio
/// clipping and the k3 KL penalty k3 = π_ref/π − log(π_ref/π) − 1 at the sampled responses. Seeded and deterministic.
/// </summary>
public static class TabularGrpo
{
    public static TabularPolicy Run(PromptDistribution q, TabularPolicy start, RewardTable r, TabularPolicy refPolicy, GrpoOptions options,
        Action<int, TabularPolicy>? observe = null)
    {
        var sampler = new InstanceSampler(options.Seed);
        var theta = start.Logits();
        var pi = start;
        var qRow = q.Values.ToArray();
        for (int step = 0; step < options.Steps; step++)
        {
            observe?.Invoke(step, pi);
            var old = pi;
            var batch = new List<(int X, int[] Ys, double[] A)>();
            for (int b = 0; b < options.PromptsPerStep; b++)
            {
                var x = sampler.Categorical(qRow);
                var ys = new int[options.GroupSize];
                var rewards = new double[options.GroupSize];
                for (int i = 0; i < ys.Length; i++) { ys[i] = sampler.Categorical(old.Row(x)); rewards[i] = r[x, ys[i]]; }
                batch.Add((x, ys, GroupAdvantages(rewards)));
            }
            for (int epoch = 0; epoch < options.InnerEpochs; epoch++)
            {
                var g = SurrogateGradient(pi, old, refPolicy, batch, options);
                theta = LogitGradients.Step(theta, g, options.LearningRate);
                pi = TabularPolicy.FromLogits(theta);
            }
        }
        observe?.Invoke(options.Steps, pi);
        return pi;
    }

    /// <summary>A_i = (r_i − mean)/(std + ε), std the population standard deviation of the group.</summary>
    public static double[] GroupAdvantages(IReadOnlyList<double> rewards)
    {
        var mean = rewards.Average();
        var std = Math.Sqrt(rewards.Sum(v => (v - mean) * (v - mean)) / rewards.Count);
        return rewards.Select(v => (v - mean) / (std + GrpoOptions.AdvantageEpsilon)).ToArray();
    }

    /// <summary>
    /// The surrogate (1/|batch|)Σ_x (1/G)Σ_i [min(ρ_i A_i, clip(ρ_i, 1−ε, 1+ε) A_i) − β·k3_i] whose gradient
    /// <see cref="SurrogateGradient"/> returns (evaluated at the current policy π; π_old fixed).
    /// </summary>
    public static double SurrogateObjective(TabularPolicy pi, TabularPolicy old, TabularPolicy refPolicy,
        IReadOnlyList<(int X, int[] Ys, double[] A)> batch, GrpoOptions o)
    {
        double total = 0;
        foreach (var (x, ys, a) in batch)
            for (int i = 0; i < ys.Length; i++)
            {
                var y = ys[i];
                var rho = Math.Exp(pi.Log(x, y) - old.Log(x, y));
                var u = refPolicy.Log(x, y) - pi.Log(x, y);
                var k3 = Math.Exp(u) - u - 1;
                total += Math.Min(rho * a[i], Math.Clamp(rho, 1 - o.ClipEpsilon, 1 + o.ClipEpsilon) * a[i]) - o.KlCoefficient * k3;
            }
        return total / (batch.Count * o.GroupSize);
    }

    /// <summary>
    /// ∇_θ of (1/|batch|)Σ_x (1/G)Σ_i [min(ρ_i A_i, clip(ρ_i, 1±ε) A_i) − β·k3_i], ρ_i = π(y_i)/π_old(y_i); ∂ρ/∂θ_z = ρ(1[z=y] − π_z).
    /// </summary>
    public static double[][] SurrogateGradient(TabularPolicy pi, TabularPolicy old, TabularPolicy refPolicy,
        IReadOnlyList<(int X, int[] Ys, double[] A)> batch, GrpoOptions o)
    {
        var g = new double[pi.Prompts][];
        for (int x = 0; x < g.Length; x++) g[x] = new double[pi.Responses];
        var weight = 1.0 / (batch.Count * o.GroupSize);
        foreach (var (x, ys, a) in batch)
            for (int i = 0; i < ys.Length; i++)
            {
                var y = ys[i];
                var rho = Math.Exp(pi.Log(x, y) - old.Log(x, y));
                bool clipped = (a[i] > 0 && rho > 1 + o.ClipEpsilon) || (a[i] < 0 && rho < 1 - o.ClipEpsilon);
                // d/dθ_z of the surrogate term: A·ρ·(1[z=y] − π_z) unless clipped.
                var coefLogPi = clipped ? 0 : a[i] * rho;
                // k3 = e^u − u − 1 with u = log π_ref(y) − log π(y): dk3/dθ_z = −(e^u − 1)(1[z=y] − π_z).
                if (o.KlCoefficient != 0) coefLogPi += o.KlCoefficient * (Math.Exp(refPolicy.Log(x, y) - pi.Log(x, y)) - 1);
                for (int z = 0; z < pi.Responses; z++)
                    g[x][z] += weight * coefLogPi * ((z == y ? 1 : 0) - pi[x, z]);
            }
        return g;
    }
}
