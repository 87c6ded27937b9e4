using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.Experiments;
using Reproduction.Experiments.Schedules;
using Reproduction.Reporting;

namespace Repro.Tests.Study;

/// <summary>
/// `repro frontier --schedules`: every schedule runs on the one engine from the seed's base with the budget of the
/// preset's two stages, and the three files come out with every schedule, finite measures and the pairwise
/// probabilities of improvement; bad input ends with exit code 2 before any training.
/// </summary>
public sealed class ScheduleFrontierTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-schedules-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Theory]
    [InlineData("nope")]
    [InlineData("chord-mu:mu_peak=1.5")]
    [InlineData("hpt:gamma=-1")]
    public void A_bad_schedule_list_ends_with_exit_code_2_and_writes_nothing(string list)
    {
        var output = Path.Combine(_dir, "run");
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--schedules", list, "--seeds", "1", "--out", output]));
        Assert.False(Directory.Exists(output));
    }

    [Theory]
    [InlineData("joint")]
    [InlineData("hpt")]
    public void A_schedule_without_demonstrations_stops_with_a_message_naming_it(string name)
    {
        var ctx = new StudyContext(StudyPreset.Load("tiny-smoke"), _dir, null, _ => { });
        var model = TaskSetup.BaseModel(ctx.Preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
        ctx.SftTrain.Clear();
        var trainer = new ScheduleTrainer(model, ScheduleCatalog.Parse(name), ctx, new Reproduction.Rewards.StrictColaReward(), 1);
        var e = Assert.Throws<Reproduction.ReproException>(trainer.Train);
        Assert.Contains($"schedule {name}", e.Message);
        Assert.Contains("no demonstrations", e.Message);
    }

    public static TheoryData<string, string> UnsupportedGrpoSettings() => new()
    {
        { "num_iterations", "num_iterations 2" },
        { "gradient_accumulation_steps", "gradient_accumulation_steps 2" },
        { "mask_truncated_completions", "mask_truncated_completions" },
        { "reward_weights", "reward_weights" },
        { "gradient_checkpointing", "gradient_checkpointing True and sft False" },
        { "max_prompt_length", "over grpo max_prompt_length 8" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedGrpoSettings))]
    public void A_grpo_setting_the_engine_does_not_carry_out_is_refused_naming_it(string setting, string expected)
    {
        var p = StudyPreset.Load("tiny-smoke");
        var grpo = setting switch
        {
            "num_iterations" => p.Grpo with { NumIterations = 2 },
            "gradient_accumulation_steps" => p.Grpo with { GradientAccumulationSteps = 2 },
            "mask_truncated_completions" => p.Grpo with { MaskTruncatedCompletions = true },
            "reward_weights" => p.Grpo with { RewardWeights = [1.0] },
            "gradient_checkpointing" => p.Grpo with { GradientCheckpointing = true },
            _ => p.Grpo with { MaxPromptLength = 8 },
        };
        var ctx = new StudyContext(p with { Grpo = grpo }, _dir, null, _ => { });
        var model = TaskSetup.BaseModel(ctx.Preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
        var e = Assert.Throws<Reproduction.ReproException>(new ScheduleTrainer(model, ScheduleCatalog.Parse("joint"), ctx, new Reproduction.Rewards.StrictColaReward(), 1).Train);
        Assert.Contains("schedule joint", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void A_kl_coefficient_enters_the_grpo_surrogate_and_is_refused_by_schedules_without_a_kl_term()
    {
        var p = StudyPreset.Load("tiny-smoke");
        var ctx = new StudyContext(p with { Grpo = p.Grpo with { Beta = 0.04 } }, _dir, null, _ => { });
        var model = TaskSetup.BaseModel(ctx.Preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
        var e = Assert.Throws<Reproduction.ReproException>(new ScheduleTrainer(model, ScheduleCatalog.Parse("luffy"), ctx, new Reproduction.Rewards.StrictColaReward(), 1).Train);
        Assert.Contains("no KL term", e.Message);
        // rl-only with and without β from the same base and seed: the first step's policy is the reference (KL 0, and the
        // k3 estimator's gradient is 0 there), so both take the same first update and sample the same second step; the
        // second step's loss then differs by β·KL > 0.
        double[] Losses(double beta, string file)
        {
            var c = new StudyContext(p with { Grpo = p.Grpo with { Beta = beta } }, _dir, null, _ => { });
            var log = Path.Combine(_dir, file);
            new ScheduleTrainer(Reproduction.Qwen3.ModelCopy.Trainable(model), ScheduleCatalog.Parse("rl-only"), c, new Reproduction.Rewards.StrictColaReward(), 1)
            {
                Metrics = new Reproduction.Training.MetricsLog(log),
            }.Train();
            return File.ReadLines(log).Take(2).Select(l => (double)JsonNode.Parse(l)!["loss"]!).ToArray();
        }
        var (with, without) = (Losses(0.04, "beta.jsonl"), Losses(0, "nobeta.jsonl"));
        Assert.Equal(without[0], with[0], 6);
        Assert.True(with[1] > without[1] + 1e-7, $"step 2: loss {with[1]} with β against {without[1]} without");
    }

    [Fact]
    public void Sweep_and_parallel_are_refused_without_schedules_and_the_bridge_with_them()
    {
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--sweep", "--out", Path.Combine(_dir, "run")]));
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--parallel", "1", "--out", Path.Combine(_dir, "run")]));
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--schedules", "joint", "--bridge", "--out", Path.Combine(_dir, "run")]));
        Assert.False(Directory.Exists(Path.Combine(_dir, "run")));
    }

    [Fact]
    public void Two_schedules_on_tiny_smoke_spend_the_same_steps_and_completions_and_write_the_three_files()
    {
        var preset = StudyPreset.Load("tiny-smoke");
        var runs = new ScheduleFrontierRunner(preset, ScheduleCatalog.ParseList("sft-then-rl,luffy"), _dir, [1], _ => { }).Run();
        Check(runs, ["base", "sft-then-rl", "luffy"]);
        var (a, b) = (runs.Single(r => r.Schedule == "sft-then-rl").Budget, runs.Single(r => r.Schedule == "luffy").Budget);
        Assert.Equal(a.OptimizerSteps, b.OptimizerSteps);
        Assert.InRange(b.SampledCompletions, a.SampledCompletions * (1 - ScheduleBudget.Tolerance), a.SampledCompletions * (1 + ScheduleBudget.Tolerance));
        // SFT-then-RL's S SFT steps take B demonstrations each; LUFFY's demonstrations are its expert completions, one per group.
        Assert.Equal(40 * 16, a.Demonstrations);
        Assert.InRange(b.Demonstrations, 1, a.Demonstrations);

        // `--run` draws the three files again from frontier.json's runs.
        var md = File.ReadAllText(Path.Combine(_dir, ScheduleFrontierReport.MarkdownFile));
        File.Delete(Path.Combine(_dir, ScheduleFrontierReport.PngFile));
        File.Delete(Path.Combine(_dir, ScheduleFrontierReport.MarkdownFile));
        Assert.Equal(0, ReproCli.Run(["frontier", "--run", _dir]));
        Assert.Equal(md, File.ReadAllText(Path.Combine(_dir, ScheduleFrontierReport.MarkdownFile)));
        Assert.True(File.Exists(Path.Combine(_dir, ScheduleFrontierReport.PngFile)));
    }

    [Fact, Trait("Category", LongRun.Category)]
    public void All_schedules_on_one_seed_write_every_schedule_with_finite_measures_and_every_pairwise_comparison()
    {
        LongRun.RequireOptIn("tests/Experiments/Repro.Tests.Experiments.csproj");
        var runs = new ScheduleFrontierRunner(StudyPreset.Load("tiny"), ScheduleCatalog.ParseList("all"), _dir, [1], _ => { }).Run();
        Check(runs, ["base", .. ScheduleCatalog.All]);
    }

    /// <summary>The files exist, every schedule appears with finite measures, and frontier.json compares every ordered pair.</summary>
    private void Check(IReadOnlyList<ScheduleRun> runs, IReadOnlyList<string> names)
    {
        Assert.Equal(names.Order(), runs.Select(r => r.Schedule).Distinct().Order());
        foreach (var r in runs)
            Assert.All(new[] { r.SftTestCe, r.Robust, r.Strict, r.GreedyAccuracy, r.ForwardKl }, v => Assert.True(double.IsFinite(v), $"{r.Schedule}: {v}"));
        foreach (var file in new[] { ScheduleFrontierReport.JsonFile, ScheduleFrontierReport.MarkdownFile, ScheduleFrontierReport.PngFile })
            Assert.True(new FileInfo(Path.Combine(_dir, file)).Length > 0, file);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, ScheduleFrontierReport.JsonFile)))!;
        var compared = names.Where(n => !runs.First(r => r.Schedule == n).Reference).ToList();
        var pairs = json["probability_of_improvement"]!.AsArray().Where(p => (string)p!["metric"]! == ScheduleFrontierReport.RobustMetric)
            .Select(p => ((string)p!["a"]!, (string)p["b"]!)).ToHashSet();
        foreach (var x in compared)
            foreach (var y in compared.Where(y => y != x))
                Assert.Contains((x, y), pairs);
        var md = File.ReadAllText(Path.Combine(_dir, ScheduleFrontierReport.MarkdownFile));
        Assert.All(names, n => Assert.Contains(n, md));
    }
}
