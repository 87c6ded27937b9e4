namespace Reproduction.Theory.Trainers;

/// <summary>Exact gradients (and the SFT Hessian's quadratic form) with respect to the softmax logits θ[x,y].</summary>
public static class LogitGradients
{
    /// <summary>
    /// ∇_θ J_β: for π = softmax(θ[x]) and h = r − β(log π − log π_ref), ∂J_β/∂θ[x,z] = q(x)·π_z·(h_z − E_π h).
    /// Zero off the support of π (−∞ logits stay −∞).
    /// </summary>
    public static double[][] JBeta(PromptDistribution q, TabularPolicy pi, RewardTable r, double beta, TabularPolicy refPolicy)
    {
        var g = new double[pi.Prompts][];
        for (int x = 0; x < pi.Prompts; x++)
        {
            g[x] = new double[pi.Responses];
            if (q[x] == 0) continue;
            var h = new double[pi.Responses];
            double mean = 0;
            for (int y = 0; y < pi.Responses; y++)
            {
                if (!pi.InSupport(x, y)) continue;
                h[y] = r[x, y] - beta * (pi.Log(x, y) - refPolicy.Log(x, y));
                mean += pi[x, y] * h[y];
            }
            for (int y = 0; y < pi.Responses; y++) if (pi.InSupport(x, y)) g[x][y] = q[x] * pi[x, y] * (h[y] - mean);
        }
        return g;
    }

    /// <summary>∇_θ L_SFT: ∂L/∂θ[x,z] = q(x)·(π_z − p_D(z|x)).</summary>
    public static double[][] Sft(PromptDistribution q, TabularPolicy data, TabularPolicy pi)
    {
        var g = new double[pi.Prompts][];
        for (int x = 0; x < pi.Prompts; x++)
        {
            g[x] = new double[pi.Responses];
            if (q[x] == 0) continue;
            for (int y = 0; y < pi.Responses; y++) g[x][y] = q[x] * (pi[x, y] - data[x, y]);
        }
        return g;
    }

    /// <summary>vᵀ H_SFT v with H_SFT = ⊕_x q(x)(diag π − ππᵀ): Σ_x q(x)·Var_{π(·|x)}(v[x]).</summary>
    public static double SftHessianQuadraticForm(PromptDistribution q, TabularPolicy pi, double[][] v) =>
        q.Expect(x =>
        {
            double m = 0, m2 = 0;
            for (int y = 0; y < pi.Responses; y++) { m += pi[x, y] * v[x][y]; m2 += pi[x, y] * v[x][y] * v[x][y]; }
            return m2 - m * m;
        });

    /// <summary>θ + η·g (−∞ logits stay −∞).</summary>
    public static double[][] Step(double[][] theta, double[][] g, double eta)
    {
        var t = new double[theta.Length][];
        for (int x = 0; x < theta.Length; x++)
        {
            t[x] = new double[theta[x].Length];
            for (int y = 0; y < t[x].Length; y++) t[x][y] = double.IsNegativeInfinity(theta[x][y]) ? theta[x][y] : theta[x][y] + eta * g[x][y];
        }
        return t;
    }

    public static double Dot(double[][] a, double[][] b)
    {
        double s = 0;
        for (int x = 0; x < a.Length; x++) for (int y = 0; y < a[x].Length; y++) if (a[x][y] != 0 && b[x][y] != 0) s += a[x][y] * b[x][y];
        return s;
    }

    /// <summary>‖θ − θ'‖² over the finite logits.</summary>
    public static double SquaredDistance(double[][] a, double[][] b)
    {
        double s = 0;
        for (int x = 0; x < a.Length; x++)
            for (int y = 0; y < a[x].Length; y++)
                if (double.IsFinite(a[x][y]) && double.IsFinite(b[x][y])) s += (a[x][y] - b[x][y]) * (a[x][y] - b[x][y]);
        return s;
    }
}
