using Reproduction.Experiments.Schedules;
using Reproduction.Grpo;
using Reproduction.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Schedules;

/// <summary>
/// Every schedule's loss on a tiny case worked by hand from the published formula (/tmp/sftrl-formulas.md: Trinity-RFT
/// CHORD, LUFFY, HPT, SRFT as HPT's repository re-implements it, ReLIFT, TRL's DFT), not from the code: 2–3 rows of
/// 2–3 tokens with probabilities such as ½, ¼, 0.8, 0.4, 0.9 so the logarithms are easy; the arithmetic is in the
/// comments. Where the formula's gradient is the point (a detached weight, a shaping function), the gradient of the
/// loss with respect to a leaf tensor of log-probabilities is checked too. ln 2 = 0.693147, ln 4 = 2 ln 2,
/// ln 1.25 = 0.223144, ln 10 = 2.302585.
/// </summary>
public sealed class ScheduleLossGoldenTests
{
    private const double Tol = 1e-6;

    private static readonly double Ln2 = Math.Log(2), Ln4 = Math.Log(4), Ln125 = Math.Log(1.25), Ln10 = Math.Log(10);

    // ---------------------------------------------------------------- CHORD μ schedule (Trinity mu_schedule_function)

    [Fact]
    public void Chord_mu_rises_linearly_from_zero_during_warm_up_then_decays_by_a_cosine_to_the_valley_and_stays_there()
    {
        // W = 4, D = 4, μ_peak = 0.8, μ_valley = 0.2.
        double Mu(int t) => Chord.Mu(t, warmup: 4, decay: 4, peak: 0.8, valley: 0.2);
        Assert.Equal(0.0, Mu(0), Tol);                               // t < W: 0/4·0.8 = 0
        Assert.Equal(0.4, Mu(2), Tol);                               // t < W: 2/4·0.8 = 0.4
        Assert.Equal(0.6, Mu(3), Tol);                               // 3/4·0.8 = 0.6 (never μ_peak inside the warm-up)
        Assert.Equal(0.8, Mu(4), Tol);                               // t = W: 0.2 + 0.6·½(1 + cos 0) = 0.8 = μ_peak exactly
        Assert.Equal(0.2 + 0.6 * 0.5 * (1 + Math.Sqrt(0.5)), Mu(5), Tol); // 0.2 + 0.6·½(1 + cos π/4) = 0.712132
        Assert.Equal(0.5, Mu(6), Tol);                               // mid-decay: 0.2 + 0.6·½(1 + cos π/2) = 0.5
        Assert.Equal(0.2, Mu(8), Tol);                               // t = W + D: μ_valley
        Assert.Equal(0.2, Mu(1000), Tol);                            // after: μ_valley for ever
    }

    [Fact]
    public void Chord_mu_with_no_decay_steps_is_the_valley_from_the_end_of_the_warm_up_without_dividing_by_zero()
    {
        // D = 0: the t ≥ W + D test comes first, so μ = μ_valley for every t ≥ W.
        Assert.Equal(0.05, Chord.Mu(0, 0, 0, 0.9, 0.05), Tol);
        Assert.Equal(0.05, Chord.Mu(7, 0, 0, 0.9, 0.05), Tol);
        Assert.Equal(0.45, Chord.Mu(1, 2, 0, 0.9, 0.05), Tol);       // warm-up still linear: 1/2·0.9
        Assert.Equal(0.05, Chord.Mu(2, 2, 0, 0.9, 0.05), Tol);       // t = W = W + D: valley
    }

    [Fact]
    public void Chord_mu_defaults_start_at_the_peak_and_reach_the_valley_after_two_hundred_steps()
    {
        // Paper's CHORD-μ: W = 0, D = 200, μ_peak 0.9, μ_valley 0.05.
        var chord = (Chord)ScheduleCatalog.Parse("chord-mu");
        Assert.Equal(0.9, chord.MuAt(0), Tol);                        // 0.05 + 0.85·½(1 + cos 0)
        Assert.Equal(0.475, chord.MuAt(100), Tol);                    // 0.05 + 0.85·½(1 + cos π/2) = 0.475
        Assert.Equal(0.05, chord.MuAt(200), Tol);
    }

    [Fact]
    public void Chord_phi_keeps_mu_constant_at_one_tenth_and_weights_its_sft_tokens_by_phi()
    {
        // CHORD-φ: W = D = 0, μ_peak = μ_valley = 0.1 → μ ≡ 0.1; φ on.
        var chord = (Chord)ScheduleCatalog.Parse("chord-phi");
        Assert.Equal(0.1, chord.MuAt(0), Tol);
        Assert.Equal(0.1, chord.MuAt(57), Tol);
        Assert.Equal(0.1, chord.MuAt(100_000), Tol);
        Assert.Equal(SftTokenWeight.Phi, chord.SftWeight);
    }

    // ---------------------------------------------------------------- SFT token losses (CE, TRL dft_loss, CHORD-φ)

    /// <summary>
    /// Two demonstrations: p = [½, ¼ | pad] and [0.8, ½, ¼]; the padded token has p = 0.1 and must not count. N = 5 tokens.
    /// </summary>
    private static (Tensor Logps, Tensor Mask) SftCase() =>
        (tensor(new[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.1), Math.Log(0.8), Math.Log(0.5), Math.Log(0.25) }, float64).reshape(2, 3).requires_grad_(true),
         tensor(new[] { 1.0, 1, 0, 1, 1, 1 }, float64).reshape(2, 3));

    [Fact]
    public void Nll_is_the_token_mean_of_minus_log_p_over_the_unmasked_tokens()
    {
        using var scope = NewDisposeScope();
        var (lp, m) = SftCase();
        var loss = SftTokenLoss.Compute(lp, m, SftTokenWeight.Nll);
        // (ln 2 + ln 4 + ln 1.25 + ln 2 + ln 4) / 5 = (1.386294 + 2.772589 + 0.223144) / 5 = 0.876405
        Assert.Equal((2 * Ln2 + 2 * Ln4 + Ln125) / 5, loss.ToDouble(), Tol);
        loss.backward();
        AssertClose([-0.2, -0.2, 0, -0.2, -0.2, -0.2], lp.grad!);      // d/dℓ = −1/N; padding 0
    }

    [Fact]
    public void Dft_is_the_token_mean_of_minus_p_log_p_and_its_gradient_is_minus_detached_p()
    {
        using var scope = NewDisposeScope();
        var (lp, m) = SftCase();
        var loss = SftTokenLoss.Compute(lp, m, SftTokenWeight.Dft);
        // −p·ℓ per token: ½ ln 2, ¼ ln 4 (= ½ ln 2), 0.8 ln 1.25, ½ ln 2, ¼ ln 4
        // = (4·0.346574 + 0.178515) / 5 = 1.564809 / 5 = 0.312962
        Assert.Equal((4 * 0.5 * Ln2 + 0.8 * Ln125) / 5, loss.ToDouble(), Tol);
        loss.backward();
        // d/dℓ [−sg(p)·ℓ] = −sg(p), i.e. −∇p; NOT −p(1 + ℓ) (the gradient of −p·ℓ with p on the graph). Over N = 5:
        AssertClose([-0.5 / 5, -0.25 / 5, 0, -0.8 / 5, -0.5 / 5, -0.25 / 5], lp.grad!);
    }

    [Fact]
    public void Phi_weights_each_token_by_detached_p_times_one_minus_p_and_divides_by_the_token_count_not_the_weight_sum()
    {
        using var scope = NewDisposeScope();
        var (lp, m) = SftCase();
        var loss = SftTokenLoss.Compute(lp, m, SftTokenWeight.Phi);
        // φ = p(1−p): ½·½ = 0.25, ¼·¾ = 0.1875, 0.8·0.2 = 0.16, 0.25, 0.1875 (Σφ = 1.035)
        // −φ·ℓ: 0.25 ln 2 + 0.1875 ln 4 + 0.16 ln 1.25 + 0.25 ln 2 + 0.1875 ln 4 = 0.902137; / N = 5 → 0.180427
        // (dividing by Σφ instead would give 0.902137 / 1.035 = 0.871630)
        Assert.Equal((2 * 0.25 * Ln2 + 2 * 0.1875 * Ln4 + 0.16 * Ln125) / 5, loss.ToDouble(), Tol);
        loss.backward();
        AssertClose([-0.25 / 5, -0.1875 / 5, 0, -0.16 / 5, -0.25 / 5, -0.1875 / 5], lp.grad!); // −sg(φ)/N
    }

    // ---------------------------------------------------------------- LUFFY (compute_token_on_off_policy_loss)

    [Fact]
    public void Luffy_takes_minus_A_ratio_on_sampled_tokens_and_minus_A_p_over_p_plus_a_tenth_on_expert_tokens()
    {
        using var scope = NewDisposeScope();
        // Row 0 sampled, A = −0.5, p = [½, ¼ | pad 0.3]; row 1 expert, A = 1, p = [0.4, 0.9, 0.1]. N = 5 tokens.
        var lp = tensor(new[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.3), Math.Log(0.4), Math.Log(0.9), Math.Log(0.1) }, float64)
            .reshape(2, 3).requires_grad_(true);
        var mask = tensor(new[] { 1.0, 1, 0, 1, 1, 1 }, float64).reshape(2, 3);
        var adv = tensor(new[] { -0.5, 1.0 }, float64);
        var loss = Luffy.TokenLoss(lp, adv, mask, tensor(new[] { false, true }), gamma: 0.1);
        // sampled, ratio 1: −A = +0.5 per token, two tokens → +1.0
        // expert: −1·(0.4/0.5 + 0.9/1.0 + 0.1/0.2) = −(0.8 + 0.9 + 0.5) = −2.2
        // token mean: (1.0 − 2.2) / 5 = −0.24
        Assert.Equal(-0.24, loss.ToDouble(), Tol);
        loss.backward();
        // sampled: d(−A·exp(ℓ − sg ℓ))/dℓ = −A = +0.5 → /5 = 0.1; pad 0.
        // expert: d(−A·p/(p+γ))/dℓ = −A·γ·p/(p+γ)²: p = 0.4: 0.1·0.4/0.25 = 0.16; 0.9: 0.09/1 = 0.09; 0.1: 0.01/0.04 = 0.25; /5.
        AssertClose([0.1, 0.1, 0, -0.16 / 5, -0.09 / 5, -0.25 / 5], lp.grad!);
    }

    // ---------------------------------------------------------------- SRFT (HPT's compute_token_on_off_policy_srft_loss)

    [Fact]
    public void Srft_weights_demo_ce_by_half_exp_minus_entropy_correct_rows_by_a_tenth_exp_entropy_and_pushes_wrong_rows_down()
    {
        using var scope = NewDisposeScope();
        // Row 0 correct sampled: p = [½, ¼ | pad], token entropies [½ ln 2, 3/2 ln 2 | 9] → H̄ = ln 2 → w_RL = 0.1·e^{ln 2} = 0.2
        // Row 1 wrong sampled:   p = [0.8, ½, ¼], entropies [1, 1, 1] (unused)
        // Row 2 demonstration:   p = [0.4, 0.9 | pad], entropies [ln 2, ln 2 | 5] → H̄ = ln 2 → w_SFT = 0.5·e^{−ln 2} = 0.25; A = 0.5
        var lp = tensor(new[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.5), Math.Log(0.8), Math.Log(0.5), Math.Log(0.25), Math.Log(0.4), Math.Log(0.9), Math.Log(0.1) }, float64)
            .reshape(3, 3).requires_grad_(true);
        var entropy = tensor(new[] { 0.5 * Ln2, 1.5 * Ln2, 9, 1, 1, 1, Ln2, Ln2, 5 }, float64).reshape(3, 3).requires_grad_(true);
        var mask = tensor(new[] { 1.0, 1, 0, 1, 1, 1, 1, 1, 0 }, float64).reshape(3, 3);
        var adv = tensor(new[] { 0.7, -0.3, 0.5 }, float64);                  // the sampled rows' A is not used
        var loss = Srft.Loss(lp, entropy, adv, mask, tensor(new[] { true, false, true }), tensor(new[] { false, false, true }), 0.5, 0.1);
        // SFT, token mean over the 2 demo tokens: −0.25·(ln 0.4 + ln 0.9)/2 = 0.25·(0.916291 + 0.105361)/2 = 0.127706
        // group terms, token mean over all 7 tokens:
        //   correct: −0.2·(ln ½ + ln ¼) = 0.2·3 ln 2 = 0.415888
        //   wrong:   +(ln 0.8 + ln ½ + ln ¼) = ln 0.1 = −2.302585
        //   demo:    −A·(0.4/0.5 + 0.9/1.0) = −0.5·1.7 = −0.85
        //   (0.415888 − 2.302585 − 0.85) / 7 = −0.390957
        // total 0.127706 − 0.390957 = −0.263250
        double sft = 0.25 * (Math.Log(2.5) + Math.Log(10.0 / 9)) / 2;
        double group = (0.6 * Ln2 - Ln10 - 0.85) / 7;
        Assert.Equal(sft + group, loss.ToDouble(), Tol);
        loss.backward();
        // correct: −w_RL/7; wrong: +1/7; demo: −w_SFT/2 − A·0.1·p/(p+0.1)²/7 = −0.125 − 0.5·0.16/7 and −0.125 − 0.5·0.09/7.
        AssertClose([-0.2 / 7, -0.2 / 7, 0, 1.0 / 7, 1.0 / 7, 1.0 / 7, -0.125 - 0.08 / 7, -0.125 - 0.045 / 7, 0], lp.grad!);
        // The weights are stop-gradient: nothing flows back into the entropy.
        Assert.True(entropy.grad is null || entropy.grad.abs().max().ToDouble() == 0, "the entropy weights must be detached");
    }

    // ---------------------------------------------------------------- schedules' Loss on a hand-made step

    [Fact]
    public void Chord_loss_is_one_minus_mu_times_grpo_plus_mu_times_sft_with_t_counted_from_zero()
    {
        using var scope = NewDisposeScope();
        var chord = ScheduleCatalog.Parse("chord-mu:mu_warmup_steps=4:mu_decay_steps=4:mu_peak=0.8:mu_valley=0.2");
        var f = new Fixture();
        // Step 3 → t = 2, in the warm-up: μ = 2/4·0.8 = 0.4.
        // GRPO (on-policy, ratio 1, token mean): rows A = [0.5, −0.5], tokens 3 and 1 → (−0.5·3 + 0.5·1)/4 = −0.25
        // SFT (CE token mean) on the demo p = [½, ¼]: (ln 2 + ln 4)/2 = 1.5 ln 2 = 1.039721
        // L = 0.6·(−0.25) + 0.4·1.039721 = −0.15 + 0.415888 = 0.265888
        var result = chord.Loss(f.Step(step: 3));
        Assert.Equal(0.6 * -0.25 + 0.4 * 1.5 * Ln2, result.Loss.ToDouble(), Tol);
        Assert.Equal(0.4, result.Metrics["mu"], Tol);
        Assert.Equal(1, result.DemosUsed);
        result.Loss.backward();
        AssertClose([-0.6 * 0.5 / 4, -0.6 * 0.5 / 4, -0.6 * 0.5 / 4, 0.6 * 0.5 / 4, 0, 0], f.Policy.grad!); // (1−μ)·(−A/N)
        AssertClose([-0.4 / 2, -0.4 / 2], f.Demo.grad!);                                                 // μ·(−1/2)
    }

    [Fact]
    public void Joint_loss_is_grpo_plus_lambda_times_sft()
    {
        using var scope = NewDisposeScope();
        var joint = ScheduleCatalog.Parse("joint:0.5");
        var f = new Fixture();
        // L = −0.25 + 0.5·1.5 ln 2 = −0.25 + 0.519860 = 0.269860 (same step as the CHORD case)
        var result = joint.Loss(f.Step(step: 7));
        Assert.Equal(-0.25 + 0.5 * 1.5 * Ln2, result.Loss.ToDouble(), Tol);
        Assert.Equal(1, result.DemosUsed);
        result.Loss.backward();
        AssertClose([-0.5 / 4, -0.5 / 4, -0.5 / 4, 0.5 / 4, 0, 0], f.Policy.grad!);
        AssertClose([-0.5 / 2, -0.5 / 2], f.Demo.grad!);
    }

    [Fact]
    public void Hpt_gate_sends_prompts_with_at_most_gamma_correct_rollouts_to_sft()
    {
        Assert.Equal([true, true, false], Hpt.ToSft([0, 1, 3], 1));
        Assert.Equal([true, false, false], Hpt.ToSft([0, 1, 3], 0));
    }

    [Fact]
    public void Hpt_loss_is_grpo_over_the_kept_groups_plus_coef_times_sft_on_the_switched_prompts_demonstrations()
    {
        using var scope = NewDisposeScope();
        var hpt = ScheduleCatalog.Parse("hpt:sft_loss_coef=0.5");              // γ = 0
        // Prompt 0: rewards [−1, −1] → 0 correct ≤ γ → SFT on its demonstration; its rows get A = 2 on purpose,
        // so counting them would show. Prompt 1: rewards [+1, −1] → 1 correct → GRPO, A = [0.5, −0.5], tokens 2 and 1.
        var policy = tensor(new[] { -1.0, -1, -2, -2, Math.Log(0.5), Math.Log(0.5), Math.Log(0.5), Math.Log(0.5) }, float64).reshape(4, 2).requires_grad_(true);
        var demo = tensor(new[] { Math.Log(0.8), Math.Log(0.5), Math.Log(0.25) }, float64).reshape(1, 3).requires_grad_(true);
        var demos = new[] { Demo(100), Demo(101) };
        var asked = new List<IReadOnlyList<SftExample>>();
        var step = new ScheduleStep
        {
            Step = 1, TotalSteps = 10, Grpo = new GrpoOptions(), Phase = "rl", Prompts = [7, 8], GroupSize = 2,
            Rewards = [-1, -1, 1, -1], IsExpert = [false, false, false, false],
            Advantages = tensor(new[] { 2.0, 2.0, 0.5, -0.5 }, float64),
            CompletionMask = tensor(new[] { 1f, 1, 1, 1, 1, 1, 1, 0 }).reshape(4, 2),
            StreamDemos = [], PromptDemos = demos,
            PolicyFn = () => (policy, zeros_like(policy)),
            DemoFn = d => { asked.Add(d); return new DemoLogps(demo, ones(1, 3, float64), zeros(1, 3, float64), d.Count); },
        };
        var result = hpt.Loss(step);
        // GRPO over prompt 1's 3 tokens only: (−0.5·2 + 0.5·1)/3 = −1/6
        // SFT on prompt 0's demo p = [0.8, ½, ¼]: (ln 1.25 + ln 2 + ln 4)/3 = ln 10/3 = 0.767528
        // L = −1/6 + 0.5·0.767528 = 0.217098
        Assert.Equal(-1.0 / 6 + 0.5 * Ln10 / 3, result.Loss.ToDouble(), Tol);
        Assert.Equal(1, result.DemosUsed);
        var only = Assert.Single(asked);
        Assert.Same(demos[0], Assert.Single(only));
        result.Loss.backward();
        AssertClose([0, 0, 0, 0, -0.5 / 3, -0.5 / 3, 0.5 / 3, 0], policy.grad!);
        AssertClose([-0.5 / 3, -0.5 / 3, -0.5 / 3], demo.grad!);
    }

    [Fact]
    public void Relift_group_fails_only_when_every_rollout_fails()
    {
        Assert.True(Relift.Failed([-1, -1, -1, -1]));
        Assert.False(Relift.Failed([-1, 1, -1, -1]));
    }

    [Fact]
    public void Relift_buffer_keeps_the_newest_first_and_hands_out_the_b_newest_once_it_holds_b()
    {
        var buffer = new List<int>();
        Assert.Null(Relift.Push(buffer, [1, 2], 3));                // 2 < B = 3: nothing yet
        Assert.Equal([1, 2], buffer);
        var taken = Relift.Push(buffer, [3, 4], 3);                 // prepended: [3, 4, 1, 2]
        Assert.Equal([3, 4, 1], taken);                             // the B newest
        Assert.Equal([2], buffer);                                  // the rest stays
        Assert.Null(Relift.Push(buffer, [], 3));
        Assert.Equal([2], buffer);
    }

    [Fact]
    public void Relift_plans_an_sft_step_on_the_buffered_demonstrations_right_after_the_step_that_filled_the_buffer()
    {
        using var scope = NewDisposeScope();
        var relift = ScheduleCatalog.Parse("relift:buffer_size=2");
        var shape = new ScheduleShape(SftSteps: 2, RlSteps: 4, PromptsPerStep: 2, Generations: 2, DemosPerStep: 2);
        var first = relift.Plan(1, shape);
        Assert.Equal("rl", first.Phase);
        Assert.Equal(2, first.Prompts);                             // ⌈R·P / T⌉ = ⌈8/6⌉
        var policy = zeros(4, 2, float64).requires_grad_(true);
        var rl = new ScheduleStep
        {
            Step = 1, TotalSteps = 6, Grpo = new GrpoOptions(), Phase = "rl", Prompts = [10, 11], GroupSize = 2,
            Rewards = [-1, -1, -1, -1], IsExpert = new bool[4], Advantages = zeros(4, float64),
            CompletionMask = ones(4, 2), StreamDemos = [], PromptDemos = [Demo(10), Demo(11)],
            PolicyFn = () => (policy, zeros_like(policy)),
            DemoFn = _ => throw new InvalidOperationException("a GRPO step of ReLIFT reads no demonstration"),
        };
        var rlResult = relift.Loss(rl);
        Assert.Equal(0, rlResult.DemosUsed);
        Assert.Equal(2, rlResult.Metrics["relift/failed_prompts"]);

        var sftPlan = relift.Plan(2, shape);
        Assert.Equal("relift-sft", sftPlan.Phase);
        Assert.Equal(0, sftPlan.Prompts);
        Assert.Equal([10, 11], sftPlan.Demos!);

        // The SFT step: CE token mean on the two named demonstrations, p = [½, ¼] and [0.8 | pad]:
        // (ln 2 + ln 4 + ln 1.25)/3 = (2.079442 + 0.223144)/3 = 0.767528
        var demo = tensor(new[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.8), Math.Log(0.1) }, float64).reshape(2, 2).requires_grad_(true);
        var sft = new ScheduleStep
        {
            Step = 2, TotalSteps = 6, Grpo = new GrpoOptions(), Phase = "relift-sft", Prompts = [], GroupSize = 2,
            Rewards = [], IsExpert = [], Advantages = zeros(0, float64), CompletionMask = zeros(0, 2),
            StreamDemos = [Demo(10), Demo(11)], PromptDemos = [],
            PolicyFn = () => throw new InvalidOperationException("the SFT step samples nothing"),
            DemoFn = d => new DemoLogps(demo, tensor(new[] { 1.0, 1, 1, 0 }, float64).reshape(2, 2), zeros(2, 2, float64), d.Count),
        };
        var sftResult = relift.Loss(sft);
        Assert.Equal((Ln2 + Ln4 + Ln125) / 3, sftResult.Loss.ToDouble(), Tol);
        Assert.Equal(2, sftResult.DemosUsed);
        Assert.Equal("rl", relift.Plan(3, shape).Phase);
    }

    // ---------------------------------------------------------------- helpers

    private static SftExample Demo(long id) => new([1, 2], [id, 3]);

    /// <summary>
    /// One prompt, G = 2 sampled rows with A = [0.5, −0.5] and 3 and 1 completion tokens (p = ½ everywhere; the
    /// value does not matter on-policy), and one stream demonstration with p = [½, ¼].
    /// </summary>
    private sealed class Fixture
    {
        public readonly Tensor Policy = full(2, 3, Math.Log(0.5), float64).requires_grad_(true);
        public readonly Tensor Demo = tensor(new[] { Math.Log(0.5), Math.Log(0.25) }, float64).reshape(1, 2).requires_grad_(true);

        public ScheduleStep Step(int step) => new()
        {
            Step = step, TotalSteps = 10, Grpo = new GrpoOptions(), Phase = "rl", Prompts = [0], GroupSize = 2,
            Rewards = [1, -1], IsExpert = [false, false],
            Advantages = tensor(new[] { 0.5, -0.5 }, float64),
            CompletionMask = tensor(new[] { 1f, 1, 1, 1, 0, 0 }).reshape(2, 3),
            StreamDemos = [ScheduleLossGoldenTests.Demo(1)], PromptDemos = [],
            PolicyFn = () => (Policy, zeros_like(Policy)),
            DemoFn = d => new DemoLogps(Demo, ones(1, 2, float64), zeros(1, 2, float64), d.Count),
        };
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        var got = actual.to(float64).contiguous().data<double>().ToArray();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - got[i]) <= Tol, $"[{i}]: expected {expected[i]:R}, got {got[i]:R} (all: {string.Join(", ", got)})");
    }
}
