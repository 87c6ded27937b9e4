namespace Reproduction.Theory;

/// <summary>The prompt distribution q(x) of Assumption 1 over a finite prompt set. Zeros are allowed (support tests).</summary>
public sealed class PromptDistribution
{
    private readonly double[] _q;

    public PromptDistribution(IEnumerable<double> q)
    {
        _q = q.ToArray();
        if (_q.Length == 0) throw new ArgumentException("q needs at least one prompt");
        if (_q.Any(v => !(v >= 0) || double.IsInfinity(v))) throw new ArgumentException("q must be finite and non-negative");
        var sum = _q.Sum();
        if (Math.Abs(sum - 1) > Tolerances.Normalisation) throw new ArgumentException($"q sums to {sum}, not 1");
    }

    public int Count => _q.Length;
    public double this[int x] => _q[x];
    public ReadOnlySpan<double> Values => _q;

    /// <summary>The prompts with q(x) &gt; 0: every expectation over q is a sum over these only ("q-a.e.").</summary>
    public IEnumerable<int> Support => Enumerable.Range(0, _q.Length).Where(x => _q[x] > 0);

    public static PromptDistribution Uniform(int n) => new(Enumerable.Repeat(1.0 / n, n));
    public static PromptDistribution PointMass(int n, int at) => new(Enumerable.Range(0, n).Select(x => x == at ? 1.0 : 0.0));

    /// <summary>E_{x~q}[f(x)] over the support of q (prompts with q(x)=0 contribute nothing, even if f(x) is infinite).</summary>
    public double Expect(Func<int, double> f)
    {
        double s = 0;
        for (int x = 0; x < _q.Length; x++) if (_q[x] > 0) s += _q[x] * f(x);
        return s;
    }

    public override string ToString() => "q=(" + string.Join(", ", _q.Select(v => v.ToString("G6"))) + ")";
}
