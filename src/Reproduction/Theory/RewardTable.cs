namespace Reproduction.Theory;

/// <summary>A bounded reward table r[x,y] (Assumption 2, Eq. 9: |r| ≤ R_max).</summary>
public sealed class RewardTable
{
    private readonly double[][] _r;

    public RewardTable(double[][] r)
    {
        if (r.Length == 0 || r.Any(row => row.Length != r[0].Length || row.Length == 0))
            throw new ArgumentException("reward table must be a non-empty rectangle");
        if (r.SelectMany(row => row).Any(v => !double.IsFinite(v))) throw new ArgumentException("rewards must be finite");
        _r = r.Select(row => (double[])row.Clone()).ToArray();
        RMax = _r.SelectMany(row => row).Max(Math.Abs);
    }

    public int Prompts => _r.Length;
    public int Responses => _r[0].Length;
    public double this[int x, int y] => _r[x][y];
    public ReadOnlySpan<double> Row(int x) => _r[x];

    /// <summary>R_max of Eq. (9): the largest |r(x,y)| in the table.</summary>
    public double RMax { get; }

    public static RewardTable Constant(int prompts, int responses, double c) =>
        new(Enumerable.Range(0, prompts).Select(_ => Enumerable.Repeat(c, responses).ToArray()).ToArray());

    /// <summary>max and min of r(x,·) over the support of a policy row (the Hoeffding range in Theorem 3.1(e)).</summary>
    public (double Max, double Min) RangeOn(int x, TabularPolicy policy)
    {
        double max = double.NegativeInfinity, min = double.PositiveInfinity;
        for (int y = 0; y < Responses; y++)
            if (policy.InSupport(x, y)) { max = Math.Max(max, _r[x][y]); min = Math.Min(min, _r[x][y]); }
        return (max, min);
    }

    /// <summary>Whether r(x,·) is constant on the support of policy(·|x) (the equality case of Theorem 3.1).</summary>
    public bool IsConstantOnSupport(int x, TabularPolicy policy)
    {
        var (max, min) = RangeOn(x, policy);
        return max == min;
    }

    public override string ToString() =>
        "r=[" + string.Join("; ", _r.Select(row => string.Join(", ", row.Select(v => v.ToString("G6"))))) + "]";
}
