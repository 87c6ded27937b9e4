using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Runtime;
using Reproduction.Sampling;
using Reproduction.Sft;
using Repro.Tests.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Reliability;

/// <summary>Runs alone: resident memory is per process, so parallel tests would blur it.</summary>
[CollectionDefinition(nameof(LeakTests), DisableParallelization = true)]
public sealed class LeakTestsCollection;

/// <summary>
/// 100 steps of SFT, of GRPO and of sampling on the toy task: after a 10-step warm-up the live TorchSharp tensor
/// count is exactly flat (tolerance 0) and resident memory, after finalizers and a heap trim
/// (<see cref="NativeAllocator.Release"/>), grows by less than <see cref="RssBoundBytes"/>.
/// </summary>
[Collection(nameof(LeakTests))]
public sealed class LeakTests(ITestOutputHelper output)
{
    private const int Steps = 100, WarmUp = 10;
    private const long RssBoundBytes = 50L << 20;

    private sealed class ParityReward : IReward
    {
        public string Name => "parity";
        public double Score(string completion, string label) =>
            long.TryParse(completion.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(), out var t) && (t % 2 == 0 ? "even" : "odd") == label ? 1 : -1;
    }

    /// <summary>Live tensors and RSS (after a full GC, so managed garbage does not count) at each step.</summary>
    private sealed class Probe(int steps = Steps, int rssFrom = WarmUp)
    {
        public readonly List<long> Live = [];
        public readonly List<long> Rss = [];

        public void Sample(long step)
        {
            Live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            if (step == rssFrom || step == steps)
            {
                // Finalizers run and freed heap pages returned, so what is left resident is what the loop holds (memory
                // that earlier tests of the process freed but the allocator kept does not count).
                NativeAllocator.Release();
                Rss.Add(ProcessMemory.ResidentBytes() ?? 0);
            }
        }

        public void AssertFlat(ITestOutputHelper output, string what)
        {
            Assert.Equal(steps, Live.Count);
            Assert.All(Live.Skip(WarmUp), c => Assert.Equal(Live[WarmUp - 1], c));
            long growth = Rss[^1] - Rss[0];
            output.WriteLine($"{what}: live tensors {Live[WarmUp - 1]} flat over steps {WarmUp}..{steps}; RSS {Rss[0] >> 20} MiB at step {rssFrom} → {Rss[^1] >> 20} MiB ({growth / 1048576.0:+0.0;-0.0} MiB)");
            Assert.True(growth < RssBoundBytes, $"{what}: RSS grew {growth >> 20} MiB after warm-up");
        }
    }

    /// <summary>With gradient checkpointing the backward recomputes each layer inside a custom autograd function: its tensors too must go.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sft_100_steps_keep_tensors_and_memory_flat(bool gradientCheckpointing)
    {
        var probe = new Probe();
        var data = ToyTask.Examples();
        var options = new SftOptions
        {
            PerDeviceTrainBatchSize = 6, GradientAccumulationSteps = 2, MaxSteps = Steps, EvalSteps = 25, LearningRate = 1e-3,
            GradientCheckpointing = gradientCheckpointing,
        };
        new SftTrainer(ToyTask.Model(), options, data, data, ToyTask.Pad) { OnStep = m => { if (m.Step > 0) probe.Sample(m.Step); } }.Train();
        probe.AssertFlat(output, gradientCheckpointing ? "SFT with gradient checkpointing" : "SFT");
    }

    [Fact]
    public void Grpo_100_steps_keep_tensors_and_memory_flat()
    {
        var probe = new Probe();
        var prompts = Enumerable.Range(0, 12).Select(a => new GrpoPrompt([ToyTask.Bos, 4 + a], a % 2 == 0 ? "even" : "odd")).ToList();
        var options = new GrpoOptions
        {
            NumGenerations = 8, PromptsPerStep = 4, MaxCompletionLength = 3, LearningRate = 1e-2, MaxSteps = Steps,
            Beta = 0.04, Seed = 7, LoggingSteps = 1, SaveSteps = null,
        };
        var model = ToyTask.Model(seed: 5);
        new GrpoTrainer(model, ModelCopy.Frozen(model), options, prompts, new WeightedReward([new ParityReward()]), ids => string.Join(' ', ids))
            { OnStep = m => probe.Sample(m.Step) }.Train();
        probe.AssertFlat(output, "GRPO");
    }

    /// <summary>
    /// The schedule engine on tiny-smoke (T = S + R = 60 steps): a mixed schedule (GRPO and SFT terms) and LUFFY (expert
    /// rows). Live tensors are flat after the warm-up; resident memory is compared over the second half of the run.
    /// </summary>
    [Theory]
    [InlineData("chord-mu")]
    [InlineData("luffy")]
    public void Schedule_engine_steps_keep_tensors_and_memory_flat(string schedule)
    {
        var dir = Directory.CreateTempSubdirectory("repro-leak-").FullName;
        try
        {
            var preset = Reproduction.Experiments.StudyPreset.Load("tiny-smoke");
            var ctx = new Reproduction.Experiments.StudyContext(preset, dir, null, _ => { });
            var model = Reproduction.Experiments.TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
            var s = Reproduction.Experiments.Schedules.ScheduleCatalog.Parse(schedule);
            // The allocator keeps growing its pools for the first steps (rows and lengths vary from step to step), then levels off.
            int total = s.TotalSteps(Reproduction.Experiments.Schedules.ScheduleTrainer.ShapeOf(ctx));
            var probe = new Probe(total, rssFrom: total / 2);
            new Reproduction.Experiments.Schedules.ScheduleTrainer(model, s, ctx, new StrictColaReward(), 1) { OnStep = j => probe.Sample(j) }.Train();
            probe.AssertFlat(output, schedule);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// The pipeline engine on a cut-down tiny-smoke, six times over the same pipelines (SFT then GRPO, and GRPO then SFT,
    /// with every measurement): after the first run the live tensor count is the same at the end of every run, so the
    /// engine's stage copies, held prefixes and trackers are all disposed.
    /// </summary>
    [Fact]
    public void Engine_runs_keep_tensors_flat()
    {
        var dir = Directory.CreateTempSubdirectory("repro-leak-").FullName;
        try
        {
            var full = Reproduction.Experiments.StudyPreset.Load("tiny-smoke");
            var preset = full with
            {
                Sft = full.Sft with { MaxSteps = 4, EvalSteps = 2 }, Grpo = full.Grpo with { EvalSteps = 1, PromptsPerStep = 2 },
                RlStage = full.RlStage with { MaxSteps = 2, MinSteps = 1 }, Data = full.Data with { EvalPrompts = 4 },
            };
            var ctx = new Reproduction.Experiments.StudyContext(preset, dir, null, _ => { });
            using var baseModel = Reproduction.Experiments.TaskSetup.BaseModel(preset, ctx.Encoder, ctx.Train, 1, null, _ => { });
            var pipelines = new[] { Reproduction.Experiments.StudyRunner.SftThenRl(preset, 1, trackAll: true), Reproduction.Experiments.StudyRunner.RlThenSft(preset, 1, trackAll: true) };
            var live = new List<long>();
            for (int run = 0; run < 6; run++)
            {
                new Reproduction.Experiments.Pipelines.PipelineEngine(ctx, _ => { }) { Parallelism = 1 }.Run(pipelines, _ => baseModel);
                live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
            }
            output.WriteLine($"live tensors after each engine run: {string.Join(", ", live)}");
            Assert.All(live.Skip(1), c => Assert.Equal(live[0], c));
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A model copy in bfloat16 and its optimizer (float32 master weights and moments), made and disposed six times, leave no tensor behind.</summary>
    [Fact]
    public void Model_copies_and_optimizers_with_master_weights_leave_no_tensor_behind()
    {
        using var source = ToyTask.Model(seed: 5);
        using var bf16 = Reproduction.Qwen3.Qwen3ForCausalLM.Initialize(source.Config, 5, ScalarType.BFloat16);
        var live = new List<long>();
        for (int i = 0; i < 6; i++)
        {
            using (var copy = Reproduction.Qwen3.ModelCopy.Trainable(bf16))
            using (new Reproduction.Training.AdamW(copy.named_parameters().Select(p => (p.name, p.parameter)), new Reproduction.Training.AdamW.Options())) { }
            live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
        }
        output.WriteLine($"live tensors after each copy and optimizer: {string.Join(", ", live)}");
        Assert.All(live, c => Assert.Equal(live[0], c));
    }

    [Fact]
    public void Sampling_100_generations_keep_tensors_and_memory_flat()
    {
        var probe = new Probe();
        var model = ToyTask.Model(seed: 5);
        long[][] prompts = [[ToyTask.Bos, 5, 7], [ToyTask.Bos, 4], [ToyTask.Bos, 9, 6, 8]];
        for (int step = 1; step <= Steps; step++)
        {
            var result = TokenGenerator.Generate(model, prompts, new SamplingOptions { MaxNewTokens = 16, DoSample = true, Temperature = 1.0, TopP = 0.9, Seed = (ulong)step });
            Assert.Equal(3, result.Tokens.Count);
            probe.Sample(step);
        }
        probe.AssertFlat(output, "sampling");
    }
}
