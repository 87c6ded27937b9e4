using Repro.Tests.Qwen3;
using Reproduction;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Sampling;

/// <summary>Stopping, padding, seeding and memory behaviour of the generation loop (tiny f32 checkpoint).</summary>
public sealed class GeneratorTests
{
    private static readonly long[] Prompt = [350, 347, 471, 93, 496];
    private static Qwen3ForCausalLM Model => GoldenQwen3.Get("f32.float32").Model;

    [Fact]
    public void Stops_on_any_eos_id_and_reports_why()
    {
        var free = TokenGenerator.Generate(Model, [Prompt], SamplingOptions.Greedy(8) with { EosTokenIds = [] });
        var third = free.Tokens[0][2];
        var stopped = TokenGenerator.Generate(Model, [Prompt], SamplingOptions.Greedy(8) with { EosTokenIds = [9999, third] });
        Assert.Equal(free.Tokens[0][..3], stopped.Tokens[0]);
        Assert.Equal(StopReason.Eos, stopped.StopReasons[0]);
        Assert.Equal(StopReason.MaxNewTokens, free.StopReasons[0]);
        Assert.Equal(8, free.Tokens[0].Length);
    }

    [Fact]
    public void A_finished_row_stops_while_the_other_continues()
    {
        long[] other = [176, 384, 282];
        var free = TokenGenerator.Generate(Model, [Prompt, other], SamplingOptions.Greedy(6) with { EosTokenIds = [] });
        var eos = free.Tokens[0][1];
        Assert.DoesNotContain(eos, free.Tokens[1]); // the chosen eos must not stop row 1 too
        var run = TokenGenerator.Generate(Model, [Prompt, other], SamplingOptions.Greedy(6) with { EosTokenIds = [eos] });
        Assert.Equal(free.Tokens[0][..2], run.Tokens[0]);
        Assert.Equal(free.Tokens[1], run.Tokens[1]);
        Assert.Equal([StopReason.Eos, StopReason.MaxNewTokens], run.StopReasons);
    }

    [Fact]
    public void Left_padded_batch_rows_equal_their_unpadded_runs()
    {
        long[] shortPrompt = [132, 339, 231];
        var batch = TokenGenerator.Generate(Model, [Prompt, shortPrompt], SamplingOptions.Greedy(8));
        var alone = TokenGenerator.Generate(Model, [shortPrompt], SamplingOptions.Greedy(8));
        Assert.Equal(alone.Tokens[0], batch.Tokens[1]);
        for (int i = 0; i < 8; i++) Assert.True(Math.Abs(alone.LogProbs[0][i] - batch.LogProbs[1][i]) <= GoldenTolerances.Float32.LogProbs);
    }

    [Fact]
    public void A_seed_reproduces_a_sample_exactly_and_another_seed_differs()
    {
        var options = new SamplingOptions { MaxNewTokens = 12, DoSample = true, Temperature = 1.5, TopP = 0.95, TopK = 100, Seed = 7 };
        var a = TokenGenerator.Generate(Model, [Prompt, Prompt], options);
        var b = TokenGenerator.Generate(Model, [Prompt, Prompt], options);
        var c = TokenGenerator.Generate(Model, [Prompt, Prompt], options with { Seed = 8 });
        Assert.Equal(a.Tokens, b.Tokens);
        Assert.Equal(a.LogProbs, b.LogProbs);
        Assert.NotEqual(a.Tokens, c.Tokens);
        Assert.NotEqual(a.Tokens[0], a.Tokens[1]); // rows draw independently
    }

    [Fact]
    public void Sampling_without_a_seed_is_refused()
    {
        var e = Assert.Throws<ReproException>(() => TokenGenerator.Generate(Model, [Prompt], new SamplingOptions { DoSample = true }));
        Assert.Contains("seed", e.Message);
    }

    [Fact]
    public void Top_k_1_sampling_is_greedy()
    {
        var greedy = TokenGenerator.Generate(Model, [Prompt], SamplingOptions.Greedy(8));
        var sampled = TokenGenerator.Generate(Model, [Prompt], new SamplingOptions { MaxNewTokens = 8, DoSample = true, TopK = 1, Seed = 3 });
        Assert.Equal(greedy.Tokens[0], sampled.Tokens[0]);
    }

    [Fact]
    public void Fifty_decode_steps_leave_the_live_tensor_count_flat()
    {
        var model = Model;
        TokenGenerator.Generate(model, [Prompt], SamplingOptions.Greedy(2)); // warm-up (lazy caches)
        var stats = DisposeScopeManager.Statistics;
        long before = stats.ThreadTotalLiveCount;
        var perStep = new List<long>();
        var result = TokenGenerator.Generate(model, [Prompt, [1, 2, 3]], SamplingOptions.Greedy(50) with { EosTokenIds = [] },
            observer: (_, _) => perStep.Add(stats.ThreadTotalLiveCount));
        long after = stats.ThreadTotalLiveCount;
        Assert.Equal(50, result.Tokens[0].Length);
        Assert.Equal(50, perStep.Count);
        // Same point of every step after the first: the same number of live tensors.
        Assert.All(perStep.Skip(2), n => Assert.Equal(perStep[1], n));
        Assert.Equal(before, after);
    }
}
