using Reproduction.Experiments.Schedules;

namespace Repro.Tests.Schedules;

/// <summary>
/// The shared budget: every schedule of a frontier spends the two-stage pipelines' S SFT steps of B demonstrations
/// and R GRPO steps of P prompts × G completions, so T = S + R steps, D = S·B demonstrations and C = R·P·G sampled
/// completions; the one-loop schedules spread D and C over T steps. Checked by summing each schedule's plans over a
/// preset-sized shape, S = 250, R = 60, P = 16, G = 8, B = 16.
/// </summary>
public sealed class SchedulePlanTests
{
    private static readonly ScheduleShape Shape = new(SftSteps: 250, RlSteps: 60, PromptsPerStep: 16, Generations: 8, DemosPerStep: 16);
    private const int T = 310;               // S + R
    private const int D = 250 * 16;          // S·B = 4000 demonstrations
    private const int Prompts = 60 * 16;     // R·P = 960 prompts (C = 7680 completions)

    private static List<StepPlan> Plans(string spec)
    {
        var schedule = ScheduleCatalog.Parse(spec);
        int total = schedule.TotalSteps(Shape);
        return Enumerable.Range(1, total).Select(j => schedule.Plan(j, Shape)).ToList();
    }

    private static int Demos(IEnumerable<StepPlan> plans) => plans.Sum(p => p.StreamDemos + (p.Demos?.Count ?? 0));

    [Fact]
    public void Sft_then_rl_plans_S_sft_steps_of_B_demonstrations_then_R_grpo_steps_of_P_prompts()
    {
        var plans = Plans("sft-then-rl");
        Assert.Equal(T, plans.Count);
        Assert.All(plans.Take(250), p => Assert.Equal(StepPlan.Sft(16), p));
        Assert.All(plans.Skip(250), p => Assert.Equal(StepPlan.Rl(16), p));
    }

    [Fact]
    public void Rl_then_sft_plans_R_grpo_steps_of_P_prompts_then_S_sft_steps_of_B_demonstrations()
    {
        var plans = Plans("rl-then-sft");
        Assert.Equal(T, plans.Count);
        Assert.All(plans.Take(60), p => Assert.Equal(StepPlan.Rl(16), p));
        Assert.All(plans.Skip(60), p => Assert.Equal(StepPlan.Sft(16), p));
    }

    [Fact]
    public void Interleaved_every_ten_runs_six_rounds_of_an_sft_block_then_grpo_steps_with_exactly_both_budgets()
    {
        var plans = Plans("interleaved:10");
        Assert.Equal(T, plans.Count);
        // A round starts where an SFT step follows a GRPO step (or at step 1): ⌈R/K⌉ = ⌈60/10⌉ = 6.
        int rounds = plans.Where((p, j) => p.Phase == "sft" && (j == 0 || plans[j - 1].Phase == "rl")).Count();
        Assert.Equal(6, rounds);
        Assert.Equal(D, Demos(plans));
        Assert.Equal(Prompts, plans.Sum(p => p.Prompts));
        Assert.All(plans, p => Assert.True(p == StepPlan.Sft(16) || p == StepPlan.Rl(16), $"{p}"));
        Assert.Equal("rl", plans[^1].Phase);
    }

    [Theory]
    [InlineData("joint")]
    [InlineData("chord-mu")]
    [InlineData("chord-phi")]
    public void Mixed_schedules_spread_exactly_the_demonstrations_and_the_prompts_over_all_T_steps(string spec)
    {
        var plans = Plans(spec);
        Assert.Equal(T, plans.Count);
        Assert.Equal(D, Demos(plans));                              // S·B
        Assert.Equal(Prompts, plans.Sum(p => p.Prompts));           // R·P·G/G
        Assert.All(plans, p => Assert.InRange(p.Prompts, 3, 4));    // 960/310: evenly
        Assert.All(plans, p => Assert.InRange(p.StreamDemos, 12, 13)); // 4000/310
    }

    [Theory]
    [InlineData("luffy")]
    [InlineData("srft")]
    public void Expert_in_group_schedules_sample_G_minus_one_per_prompt_and_about_the_two_stage_completions(string spec)
    {
        var plans = Plans(spec);
        Assert.Equal(T, plans.Count);
        long sampled = (Shape.Generations - 1L) * plans.Sum(p => p.Prompts);
        Assert.InRange(sampled, 0.95 * Shape.Completions, 1.05 * Shape.Completions); // 7·1097 = 7679 vs 7680
        Assert.Equal(0, Demos(plans));
    }

    [Fact]
    public void Hpt_plans_sum_to_R_times_P_prompts_over_T_steps()
    {
        var plans = Plans("hpt");
        Assert.Equal(T, plans.Count);
        Assert.Equal(Prompts, plans.Sum(p => p.Prompts));
        Assert.Equal(0, Demos(plans));
    }

    [Fact]
    public void Relift_without_failures_plans_R_times_P_prompts_over_T_grpo_steps()
    {
        var plans = Plans("relift");
        Assert.Equal(T, plans.Count);
        Assert.All(plans, p => Assert.Equal("rl", p.Phase));
        Assert.Equal(Prompts, plans.Sum(p => p.Prompts));
    }

    [Fact]
    public void References_spend_one_stage_only()
    {
        var sft = Plans("sft-only");
        Assert.Equal(250, sft.Count);
        Assert.Equal(D, Demos(sft));
        var rl = Plans("rl-only");
        Assert.Equal(60, rl.Count);
        Assert.Equal(Prompts, rl.Sum(p => p.Prompts));
    }
}
