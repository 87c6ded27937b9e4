using Reproduction.Reporting;

namespace Repro.Tests.Beyond;

/// <summary>The bridge's C1 figure is drawn on symmetric-log axes: sign(x)·log10(1 + |x|).</summary>
public sealed class SymLogAxisTests
{
    private const double Exact = 1e-12;   // closed forms: log10 of 1, 10, 100, 1000

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(9.0, 1.0)]
    [InlineData(-99.0, -2.0)]
    [InlineData(999.0, 3.0)]
    public void Symlog_is_the_signed_log10_of_one_plus_the_magnitude(double x, double expected) =>
        Assert.Equal(expected, FigureFile.SymLog(x), Exact);

    [Fact]
    public void Symlog_is_odd_and_strictly_increasing_so_the_diagonal_stays_the_diagonal()
    {
        var xs = new[] { -1500.0, -20, -1, -0.25, 0, 0.25, 1, 20, 1500 };
        for (int i = 0; i + 1 < xs.Length; i++) Assert.True(FigureFile.SymLog(xs[i]) < FigureFile.SymLog(xs[i + 1]));
        Assert.All(xs, x => Assert.Equal(-FigureFile.SymLog(x), FigureFile.SymLog(-x), Exact));
    }
}
