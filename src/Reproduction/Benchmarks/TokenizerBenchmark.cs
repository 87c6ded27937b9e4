using Reproduction.Cli;
using Reproduction.Data;
using Reproduction.Text;

namespace Reproduction.Benchmarks;

/// <summary>Qwen3 tokenizer encode throughput over the CoLA sentences of the paper's train split (plain text, no chat template).</summary>
public static class TokenizerBenchmark
{
    public const string Name = "tokenizer";

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s)
    {
        var memory = PeakMemory.Start();
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var sentences = ColaDataset.PaperTrain().Select(e => e.Sentence).ToList();
        if (s.Quick) sentences = sentences.Take(500).ToList();
        long tokens = sentences.Sum(x => (long)tokenizer.Encode(x).Length);
        var timing = Measure.Seconds(() => { foreach (var x in sentences) tokenizer.Encode(x); }, s.Reps);
        yield return Measure.Rate(Name, $"encode {sentences.Count:N0} CoLA train sentences", timing, tokens, "tokens/s");
        yield return Measure.Rate(Name, $"encode {sentences.Count:N0} CoLA train sentences (per sentence)", timing, sentences.Count, "sentences/s");
        yield return memory.Figure(Name, "tokenizer + CoLA train");
    }
}
