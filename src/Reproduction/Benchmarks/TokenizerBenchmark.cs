using System.Diagnostics;
using Reproduction.Cli;
using Reproduction.Data;
using Reproduction.Text;

namespace Reproduction.Benchmarks;

/// <summary>
/// Qwen3 tokenizer encode throughput over the CoLA sentences of the paper's train split (plain text, no chat template):
/// ours (<see cref="Qwen3Tokenizer"/>) and Hugging Face's Rust tokenizer (<see cref="ReferenceTokenizer"/>) on the same
/// sentences, in interleaved rounds (<see cref="Measure.Paired"/>), after checking that both give the same ids on every
/// sentence. Where the reference does not load, ours is timed alone and a note says why.
/// </summary>
public static class TokenizerBenchmark
{
    public const string Name = "tokenizer";

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s, Action<string> note)
    {
        var memory = PeakMemory.Start();
        var tokenizer = Qwen3Tokenizer.LoadDefault();
        var sentences = ColaDataset.PaperTrain().Select(e => e.Sentence).ToList();
        if (s.Quick) sentences = sentences.Take(500).ToList();
        long tokens = sentences.Sum(x => (long)tokenizer.Encode(x).Length);
        string what = $"encode {sentences.Count:N0} CoLA train sentences";
        void Ours() { foreach (var x in sentences) tokenizer.Encode(x); }

        ReferenceTokenizer? reference = null;
        try { reference = ReferenceTokenizer.LoadShipped(); }
        catch (ReproException e) { note($"{Name}: reference skipped — {e.Message}"); }
        using (reference)
        {
            if (reference is null)
            {
                var alone = Measure.Seconds(Ours, s.Reps);
                yield return Measure.Rate(Name, what, alone, tokens, "tokens/s");
                yield return Measure.Rate(Name, what + " (per sentence)", alone, sentences.Count, "sentences/s");
                yield return memory.Figure(Name, "tokenizer + CoLA train");
                yield break;
            }
            int disagreements = sentences.Count(x => !reference.Encode(x).AsSpan().SequenceEqual(tokenizer.Encode(x)));
            if (disagreements > 0) note($"{Name}: ours and the reference give different ids on {disagreements} of {sentences.Count} sentences");
            var (mine, theirs) = Measure.Paired(Ours, () =>
            {
                var clock = Stopwatch.StartNew();
                foreach (var x in sentences) reference.Encode(x);
                return clock.Elapsed.TotalSeconds;
            }, s.Reps);
            yield return Measure.Rate(Name, what, mine, tokens, "tokens/s");
            yield return Measure.Rate(Name, what + " (per sentence)", mine, sentences.Count, "sentences/s");
            yield return Measure.Rate(Name, what + ", Hugging Face tokenizers (Rust) on the same text", theirs, tokens, "tokens/s");
            yield return Measure.Single(Name, "encode rate, ours ÷ Hugging Face's", theirs.Median / mine.Median, "×", mine.Repetitions);
            yield return Measure.Single(Name, "sentences whose ids differ from Hugging Face's", disagreements, "sentences");
            yield return memory.Figure(Name, "tokenizer + CoLA train");
        }
    }
}
