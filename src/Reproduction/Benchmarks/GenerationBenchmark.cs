using Reproduction.Cli;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// Greedy generation through <see cref="TokenGenerator.Generate(Qwen3ForCausalLM, IReadOnlyList{long[]}, SamplingOptions, bool, TokenGenerator.StepObserver?)"/>
/// from 16-token random prompts, never stopping early (no eos ids), with the KV cache and without it (every step
/// re-runs the whole sequence), at 32/128/256 new tokens and batch 1 and 16 (a GRPO group). Tokens/s counts new tokens
/// (batch × new). A point whose <see cref="ModelFlops.Generation"/> estimate exceeds the FLOP budget is skipped and
/// reported as skipped; the cache ÷ no-cache ratio is given where both ran.
/// </summary>
public static class GenerationBenchmark
{
    public const string Name = "generate";
    public const int PromptLength = 16;

    public static IReadOnlyList<int> NewTokens(bool quick) => quick ? [8] : [32, 128, 256];
    public static IReadOnlyList<int> Batches(bool quick) => quick ? [1] : [1, 16];

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s, Action<string> note)
    {
        foreach (var shape in s.Shapes())
            foreach (var dtype in BenchSettings.Dtypes)
            {
                var memory = PeakMemory.Start();
                var reference = s.Reference;
                reference?.Load(shape, dtype);
                reference?.PeakReset();
                var label = $"{shape.Name} {BenchSettings.DtypeName(dtype)}";
                using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, dtype, s.Device);
                model.eval();
                foreach (var b in Batches(s.Quick))
                {
                    var prompts = Prompts(shape.Config.VocabSize, b);
                    foreach (var n in NewTokens(s.Quick))
                    {
                        var rates = new Dictionary<bool, double>();
                        foreach (var cache in new[] { true, false })
                        {
                            double flops = ModelFlops.Generation(shape.Config, b, PromptLength, n, cache);
                            var name = $"{label} B{b} {n} new, {(cache ? "KV cache" : "no cache")}";
                            if (flops > s.GenerationFlopBudget)
                            {
                                note($"generate: skipped {name} (est. {flops / 1e12:F1} TFLOP > budget {s.GenerationFlopBudget / 1e12:F1}; --generation-budget)");
                                continue;
                            }
                            // Warm-up: a 4-token generation; then full repetitions for short runs, one timed run for long ones.
                            int reps = RepetitionsFor(s, shape, b, n, cache);
                            Measure.Seconds(() => Generate(model, prompts, 4, cache), 1, warmup: 0);
                            void Work() => Generate(model, prompts, n, cache);
                            // The reference has a cached path only; its warm-up is a 4-token generation too.
                            var command = new System.Text.Json.Nodes.JsonObject { ["cmd"] = "generate", ["b"] = b, ["n"] = n };
                            if (cache && reference is not null) reference.Seconds(new System.Text.Json.Nodes.JsonObject { ["cmd"] = "generate", ["b"] = b, ["n"] = 4 });
                            var (timing, theirs) = cache && reference is not null
                                ? Measure.Paired(Work, () => reference.Seconds(command), reps, warmup: 0)
                                : (Measure.Seconds(Work, reps, warmup: 0), null);
                            var figure = Measure.Rate(Name, name, timing, b * n, "new tokens/s");
                            rates[cache] = figure.Median;
                            yield return figure;
                            if (theirs is not null)
                                foreach (var f in PytorchWorker.Compare(figure, theirs, b * n)) yield return f;
                        }
                        if (rates.Count == 2)
                            yield return Measure.Single(Name, $"{label} B{b} {n} new, cache ÷ no cache", rates[true] / rates[false], "×");
                    }
                }
                var peak = memory.Figure(Name, label);
                yield return peak;
                if (reference is not null)
                    foreach (var f in reference.CompareMemory(peak)) yield return f;
            }
    }

    /// <summary>All repetitions at 32 new tokens and below when cheap (&lt; 0.2 TFLOP); otherwise one timed run (the long runs dominate the bench's wall time).</summary>
    public static int RepetitionsFor(BenchSettings s, BenchShape shape, long batch, int newTokens, bool useCache) =>
        newTokens <= 32 && ModelFlops.Generation(shape.Config, batch, PromptLength, newTokens, useCache) <= 2e11 ? s.Reps : 1;

    public static IReadOnlyList<long[]> Prompts(long vocab, long batch)
    {
        using var scope = torch.NewDisposeScope();
        var ids = ForwardBenchmark.RandomIds(vocab, batch, PromptLength, 3);
        return Enumerable.Range(0, (int)batch).Select(r => ids[r].data<long>().ToArray()).ToList();
    }

    public static void Generate(Qwen3ForCausalLM model, IReadOnlyList<long[]> prompts, int newTokens, bool useCache)
    {
        var options = SamplingOptions.Greedy(newTokens) with { EosTokenIds = [], PadTokenId = 0 };
        var result = TokenGenerator.Generate(model, prompts, options, useCache);    // its tokens come back to the host: the work is done
        if (result.Tokens[0].Length != newTokens) throw new ReproException($"bench generate: expected {newTokens} tokens, got {result.Tokens[0].Length}");
    }
}
