using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Training;
using Repro.Tests.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Grpo;

/// <summary>
/// GRPO on a toy parity task a random one-layer Qwen3 already solves half the time: prompt [BOS, 4 + a],
/// label "even"/"odd" by a's parity; the reward is +1 when the first sampled token has the label's parity.
/// </summary>
public sealed class GrpoTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-grpo-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private sealed class ParityReward : IReward
    {
        public string Name => "parity";
        public double Score(string completion, string label)
        {
            var first = completion.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (first is null || !long.TryParse(first, out var token)) return -1;
            return (token % 2 == 0 ? "even" : "odd") == label ? 1 : -1;
        }
    }

    /// <summary>The parity reward for the first <c>calls</c> completions, then −1 for every completion (all advantages 0).</summary>
    private sealed class ParityThenConstant(int calls) : IReward
    {
        private readonly ParityReward _parity = new();
        private int _seen;
        public string Name => "parity-then-constant";
        public double Score(string completion, string label) => _seen++ < calls ? _parity.Score(completion, label) : -1;
    }

    private static readonly List<GrpoPrompt> Prompts =
        Enumerable.Range(0, 12).Select(a => new GrpoPrompt([ToyTask.Bos, 4 + a], a % 2 == 0 ? "even" : "odd")).ToList();

    private static string Decode(long[] ids) => string.Join(' ', ids);

    private static GrpoOptions Options(int steps, double beta = 0, int iterations = 1) => new()
    {
        NumGenerations = 8, PromptsPerStep = 4, MaxCompletionLength = 3, LearningRate = 2e-2, MaxSteps = steps,
        Beta = beta, NumIterations = iterations, Seed = 7, LoggingSteps = 1, SaveSteps = 3, EvalSteps = 3,
    };

    private static GrpoTrainer Trainer(Qwen3ForCausalLM model, GrpoOptions o, string? outDir = null, string? resume = null, Qwen3ForCausalLM? reference = null) =>
        new(model, reference ?? (o.Beta != 0 ? ModelCopy.Frozen(model) : null), o, Prompts, new WeightedReward([new ParityReward()]), Decode)
        { OutputDir = outDir, ResumeFrom = resume };

    [Fact]
    public void The_reward_rises_over_GRPO_steps_for_every_seed()
    {
        // A rise of 0.2 in a ±1 reward: twice the noise of the difference of two six-step means over 32 samples each.
        const double Margin = 0.2;
        foreach (var seed in new[] { 5, 6, 7 })
        {
            var history = Trainer(ToyTask.Model(seed), Options(24) with { Seed = seed }).Train();
            double first = history.Take(6).Average(m => m["reward"]), last = history.TakeLast(6).Average(m => m["reward"]);
            Assert.True(last - first > Margin, $"seed {seed}: reward first six steps {first:F3}, last six {last:F3}: {string.Join(", ", history.Select(m => m["reward"].ToString("F2")))}");
        }
    }

    [Fact]
    public void A_larger_beta_keeps_the_policy_closer_to_the_reference()
    {
        double FinalKl(double beta) => Trainer(ToyTask.Model(seed: 5), Options(12, beta)).Train().TakeLast(3).Average(m => m["kl"]);
        double loose = FinalKl(0.001), tight = FinalKl(2.0);
        Assert.True(tight < loose, $"KL with beta 2.0: {tight:G4}; with beta 0.001: {loose:G4}");
    }

    [Fact]
    public void With_num_iterations_above_one_the_stored_old_log_probs_make_the_ratio_differ_from_one()
    {
        var single = Trainer(ToyTask.Model(seed: 5), Options(2, iterations: 1)).Train();
        Assert.All(single, m => Assert.Equal(1.0, m["ratio/mean"], 6));
        var multi = Trainer(ToyTask.Model(seed: 5), Options(2, iterations: 3)).Train();
        Assert.All(multi, m => Assert.NotEqual(1.0, m["ratio/mean"], 4));        // the last of 3 passes, after 2 updates
    }

    [Fact]
    public void A_resumed_run_samples_the_same_rollouts_and_ends_bitwise_equal()
    {
        var straightDir = Path.Combine(_dir, "a");
        var straight = Trainer(ToyTask.Model(seed: 5), Options(6), straightDir).Train();
        var resumedDir = Path.Combine(_dir, "b");
        Directory.CreateDirectory(resumedDir);
        foreach (var f in Directory.EnumerateFiles(TrainerCheckpoint.PathFor(straightDir, 3), "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(TrainerCheckpoint.PathFor(resumedDir, 3), Path.GetRelativePath(TrainerCheckpoint.PathFor(straightDir, 3), f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
        var resumed = Trainer(ToyTask.Model(seed: 123), Options(6), resumedDir, resume: "auto").Train();
        string[] keys = ["reward", "loss", "grad_norm", "completions/mean_length"];
        Assert.Equal(straight.Skip(3).Select(m => keys.Select(k => m[k]).ToArray()), resumed.Select(m => keys.Select(k => m[k]).ToArray()));
        Assert.Equal(File.ReadAllBytes(Path.Combine(TrainerCheckpoint.PathFor(straightDir, 6), "model", "model.safetensors")),
                     File.ReadAllBytes(Path.Combine(TrainerCheckpoint.PathFor(resumedDir, 6), "model", "model.safetensors")));
    }

    [Fact]
    public void The_logged_entropy_is_the_mean_next_token_entropy_over_completion_tokens()
    {
        var history = Trainer(ToyTask.Model(seed: 5), Options(2)).Train();
        Assert.All(history, m => Assert.InRange(m["entropy"], 0.01, Math.Log(ToyTask.Config().VocabSize) + 1e-6));

        // TokenLogProbs' entropy equals −Σ p log p of the full softmax at the same position.
        var model = ToyTask.Model(seed: 5);
        using var ids = torch.tensor(new long[] { ToyTask.Bos, 5, 7, 20 }, [1, 4]);
        var lp = TokenLogProbs.Compute(model, ids, withEntropy: true);
        using var logits = model.Forward(ids).Logits!.to(ScalarType.Float32);
        var p = logits.softmax(-1);
        var direct = (-(p * p.log()).sum(-1)).data<float>().ToArray();
        var ours = lp.Entropy!.data<float>().ToArray();
        for (int t = 0; t < 3; t++) Assert.Equal(direct[t], ours[t], 4);
    }

    [Fact]
    public void A_batch_whose_advantages_are_all_zero_skips_the_backward_and_ends_bitwise_equal_to_the_full_step()
    {
        (IReadOnlyList<GrpoStepMetrics> History, string Dir, int Skipped, List<long> Live) Run(bool skip)
        {
            var dir = Path.Combine(_dir, skip ? "skip" : "full");
            var live = new List<long>();
            // 2 steps × 4 prompts × 8 samples = 64 parity-scored completions: steps 1–2 learn, so AdamW's moments are
            // non-zero and keep moving the weights on steps 3–6, where every reward is −1.
            var trainer = new GrpoTrainer(ToyTask.Model(seed: 5), null, Options(6), Prompts, new WeightedReward([new ParityThenConstant(64)]), Decode)
                { OutputDir = dir, SkipZeroGradientBackward = skip, OnStep = _ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) };
            return (trainer.Train(), dir, trainer.ZeroGradientSteps, live);
        }
        byte[] Weights(string dir, int step) => File.ReadAllBytes(Path.Combine(TrainerCheckpoint.PathFor(dir, step), "model", "model.safetensors"));

        var full = Run(skip: false);
        var fast = Run(skip: true);
        Assert.Equal(0, full.Skipped);
        Assert.Equal(4, fast.Skipped);
        Assert.All(fast.History.Skip(2), m => Assert.Equal(1.0, m["frac_reward_zero_std"]));
        Assert.NotEqual(Weights(fast.Dir, 3), Weights(fast.Dir, 6));                 // the skipped steps did move the weights
        Assert.Equal(Weights(full.Dir, 6), Weights(fast.Dir, 6));
        // Live tensors: the skipping steps leave exactly what full steps leave (the step-3 checkpoint adds the same in
        // both), and none grows from one skipping step to the next.
        Assert.Equal(full.Live.Select(c => c - full.Live[0]), fast.Live.Select(c => c - fast.Live[0]));
        Assert.All(fast.Live.Skip(3), c => Assert.Equal(fast.Live[3], c));
        static bool Timed(string key) => key.StartsWith("timing/", StringComparison.Ordinal) || key.StartsWith("tokens_per_s/", StringComparison.Ordinal);
        for (int i = 0; i < full.History.Count; i++)
            Assert.Equal(full.History[i].Values.Where(kv => !Timed(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal),
                         fast.History[i].Values.Where(kv => !Timed(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Live_tensors_do_not_grow_per_step()
    {
        var counts = new List<long>();
        var model = ToyTask.Model(seed: 5);
        new GrpoTrainer(model, ModelCopy.Frozen(model), Options(8, beta: 0.04), Prompts, new WeightedReward([new ParityReward()]), Decode)
            { OnStep = _ => counts.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount) }.Train();
        Assert.All(counts.Skip(2), c => Assert.Equal(counts[1], c));
    }
}

/// <summary>A non-finite GRPO loss stops the run naming the step, or, with skip_nonfinite, skips the update.</summary>
public sealed class GrpoNonFiniteTests
{
    private static readonly List<GrpoPrompt> Prompts = [new([ToyTask.Bos, 5], "odd"), new([ToyTask.Bos, 6], "even")];

    private static readonly GrpoOptions Options = new() { NumGenerations = 4, PromptsPerStep = 2, MaxCompletionLength = 3, MaxSteps = 3, Seed = 1, SaveSteps = null };

    /// <summary>Scores +1 or −1 by the completion's length, but +∞ at the steps in <see cref="BrokenAt"/> (a broken reward function: the advantages and the loss become NaN).</summary>
    private sealed class BreakingReward : IReward
    {
        public HashSet<long> BrokenAt { get; } = [];
        public long Step { get; set; } = 1;
        public string Name => "breaking";
        public double Score(string completion, string label) => BrokenAt.Contains(Step) ? double.PositiveInfinity : completion.Length % 2 == 0 ? 1 : -1;
    }

    private static GrpoTrainer Trainer(Qwen3ForCausalLM model, BreakingReward reward, bool skipNonFinite, Action<GrpoStepMetrics>? onStep = null) =>
        new(model, null, Options, Prompts, new WeightedReward([reward]), ids => string.Join(' ', ids))
        {
            SkipNonFinite = skipNonFinite,
            OnStep = m => { reward.Step = m.Step + 1; onStep?.Invoke(m); },
        };

    [Fact]
    public void A_reward_that_turns_infinite_at_step_2_stops_GRPO_at_step_2_naming_it()
    {
        var reward = new BreakingReward { BrokenAt = { 2 } };
        var e = Assert.Throws<Reproduction.Training.NonFiniteLossException>(() => Trainer(ToyTask.Model(seed: 3), reward, skipNonFinite: false).Train());
        Assert.Equal(2, e.Step);
        Assert.Contains("step 2: reward 'breaking'", e.Message);
    }

    [Fact]
    public void With_skip_nonfinite_the_step_with_an_infinite_reward_is_skipped_leaving_the_weights_and_the_run_goes_on()
    {
        var reward = new BreakingReward { BrokenAt = { 2 } };
        var model = ToyTask.Model(seed: 3);
        var weights = new List<float[]>();
        var history = Trainer(model, reward, skipNonFinite: true, _ => weights.Add(model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray())).Train();

        Assert.Equal([1L, 2L, 3L], history.Select(m => m.Step));
        Assert.Equal([false, true, false], history.Select(m => m.Values.ContainsKey("skipped_nonfinite")));
        Assert.Equal(weights[0], weights[1]);                                         // step 2 applied no update
        Assert.NotEqual(weights[1], weights[2]);                                      // step 3 did
        Assert.All(weights[2], w => Assert.True(float.IsFinite(w)));
    }

    [Fact]
    public void Weights_that_turn_non_finite_after_step_1_stop_GRPO_at_step_2_naming_it()
    {
        var model = ToyTask.Model(seed: 3);
        var trainer = Trainer(model, new BreakingReward(), skipNonFinite: false, _ => { using (torch.no_grad()) model.parameters().Last().fill_(double.NaN); });
        var e = Assert.Throws<Reproduction.Training.NonFiniteLossException>(() => trainer.Train());
        Assert.Equal(2, e.Step);
        Assert.Contains("step 2", e.Message);
    }

    [Fact]
    public void Non_finite_weights_stop_the_rollout_with_a_clear_error_naming_the_step()
    {
        var model = ToyTask.Model(seed: 3);
        using (torch.no_grad()) model.parameters().Last().fill_(double.NaN);
        var e = Assert.Throws<Reproduction.Training.NonFiniteLossException>(() => Trainer(model, new BreakingReward(), skipNonFinite: false).Train());
        Assert.Contains("step 1", e.Message);
    }
}
