using Reproduction.Training;

namespace Repro.Tests.Training;

/// <summary>The schedules are Hugging Face's: linear warm-up from 0, then constant, linear or half-cosine to 0.</summary>
public sealed class LearningRateScheduleTests
{
    private const double Exact = 1e-15;

    [Fact]
    public void Warmup_steps_are_the_ceiling_of_ratio_times_total_as_in_TrainingArguments()
    {
        Assert.Equal(3, LearningRateSchedule.WarmupStepsFromRatio(0.01, 214));   // 2.14 → 3
        Assert.Equal(0, LearningRateSchedule.WarmupStepsFromRatio(0.0, 214));
        Assert.Equal(1, LearningRateSchedule.WarmupStepsFromRatio(0.01, 100));
    }

    [Fact]
    public void Cosine_rises_linearly_during_warmup_then_follows_half_a_cosine_to_zero()
    {
        var s = new LearningRateSchedule("cosine", 1e-5, 4, 104).Validated();
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(0.5e-5, s.At(2), Exact);
        Assert.Equal(1e-5, s.At(4), Exact);
        Assert.Equal(0.5e-5, s.At(54), Exact);                                      // progress 1/2: cos(π/2) = 0
        Assert.Equal(1e-5 * 0.5 * (1 + Math.Cos(Math.PI * 0.25)), s.At(29), Exact); // progress 1/4
        Assert.Equal(0.0, s.At(104), Exact);
        // Past TotalSteps HF does not clamp the progress (the cosine rises again); trainers never ask for it.
    }

    [Fact]
    public void Linear_decays_to_zero_and_constant_stays_put()
    {
        var lin = new LearningRateSchedule("linear", 2.0, 0, 10);
        Assert.Equal(2.0, lin.At(0));
        Assert.Equal(1.0, lin.At(5), Exact);
        Assert.Equal(0.0, lin.At(10));
        Assert.Equal(3.0, new LearningRateSchedule("constant", 3.0, 5, 10).At(1));
        Assert.Equal(1.5, new LearningRateSchedule("constant_with_warmup", 3.0, 2, 10).At(1));
    }

    [Fact]
    public void An_unknown_schedule_is_refused_by_name()
    {
        var e = Assert.Throws<Reproduction.ReproException>(() => new LearningRateSchedule("cosine_with_restarts", 1, 0, 1).Validated());
        Assert.Contains("cosine_with_restarts", e.Message);
    }
}
