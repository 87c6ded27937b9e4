using Reproduction.Training;

namespace Repro.Tests.Training;

public sealed class NonFiniteGuardTests
{
    [Theory]
    [InlineData(double.NaN, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(0.5, double.NaN)]
    public void A_non_finite_loss_or_gradient_stops_the_run_naming_the_step(double loss, double gradNorm)
    {
        var e = Assert.Throws<NonFiniteLossException>(() => new NonFiniteGuard(skipNonFinite: false).Admit(17, loss, gradNorm));
        Assert.Equal(17, e.Step);
        Assert.Contains("step 17", e.Message);
    }

    [Fact]
    public void With_skip_nonfinite_the_step_is_skipped_and_counted()
    {
        var guard = new NonFiniteGuard(skipNonFinite: true);
        Assert.True(guard.Admit(1, 0.3, 1.0));
        Assert.False(guard.Admit(2, double.NaN, 1.0));
        Assert.False(guard.Admit(3, 0.3, double.NegativeInfinity));
        Assert.Equal(2, guard.Skipped);
    }
}
