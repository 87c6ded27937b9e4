using System.Text.Json.Serialization;
using Reproduction.Data;
using Reproduction.Evaluation;
using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Reproduction.Sft;
using Reproduction.Training;
using TorchSharp;

namespace Reproduction.Experiments;

/// <summary>A Monte-Carlo mean over prompts with its standard error (95% interval = mean ± 1.96·se, normal approximation).</summary>
public sealed record Estimate(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("se")] double Se)
{
    public const double Z95 = 1.959964;
    [JsonIgnore] public double Low => Mean - Z95 * Se;
    [JsonIgnore] public double High => Mean + Z95 * Se;

    /// <summary>The mean of per-prompt values and the standard error of that mean (sample sd / √n).</summary>
    public static Estimate Of(IReadOnlyList<double> perPrompt)
    {
        int n = perPrompt.Count;
        if (n == 0) throw new ArgumentException("no values", nameof(perPrompt));
        double mean = perPrompt.Average();
        double var = n > 1 ? perPrompt.Sum(v => (v - mean) * (v - mean)) / (n - 1) : 0;
        return new Estimate(mean, Math.Sqrt(var / n));
    }

    public override string ToString() => $"{Mean:F3} ± {Z95 * Se:F3}";
}

/// <summary>A predicted relation checked at one checkpoint: measured vs predicted, and whether they agree within the 95% interval of their difference.</summary>
public sealed record RelationCheck(
    [property: JsonPropertyName("measured")] double Measured,
    [property: JsonPropertyName("predicted")] double Predicted,
    [property: JsonPropertyName("difference")] Estimate Difference,
    [property: JsonPropertyName("holds")] bool Holds);

/// <summary>
/// One checkpoint p2 of a pipeline's second stage, against the stage's starting checkpoint p1, on one prompt set.
/// Every quantity is per sequence (nats per response, Lemma 1's −log p(y|x)) and averaged over the prompt set's q.
/// </summary>
public sealed record BridgeRow(
    [property: JsonPropertyName("pipeline")] string Pipeline,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("prompts")] string Prompts,
    [property: JsonPropertyName("beta")] double? Beta,
    [property: JsonPropertyName("c1")] Estimate C1,
    [property: JsonPropertyName("kl_p1_p2")] Estimate KlP1P2,
    [property: JsonPropertyName("kl_p2_p1")] Estimate KlP2P1,
    [property: JsonPropertyName("j1")] Estimate J1,
    [property: JsonPropertyName("j2")] Estimate J2,
    [property: JsonPropertyName("delta_j")] Estimate DeltaJ,
    [property: JsonPropertyName("j_data")] double JData,
    [property: JsonPropertyName("ce_p1")] double CeP1,
    [property: JsonPropertyName("eq10")] RelationCheck Eq10,
    [property: JsonPropertyName("theorem31d")] RelationCheck? Theorem31d,
    [property: JsonPropertyName("gibbs")] RelationCheck? Gibbs,
    [property: JsonPropertyName("prop1")] RelationCheck Prop1);

/// <summary>How much the bridge measures: prompts per set, samples per prompt, checkpoints per second stage.</summary>
public sealed record BridgeOptions
{
    public int Prompts { get; init; } = 100;
    public int Samples { get; init; } = 4;
    /// <summary>Measured at the evaluation points at or just past 1/K, 2/K, …, K/K of the second stage.</summary>
    public int Checkpoints { get; init; } = 3;
    public int MaxNewTokens { get; init; } = 24;
    public int BatchSize { get; init; } = 200;
}

/// <summary>
/// The theory↔experiment bridge on the real (torch) pipelines. At a second-stage checkpoint p2 with the stage's starting
/// checkpoint p1 it estimates, on a prompt set (x, y_D) with the SFT target y_D as the data distribution p_D (a point mass):
/// <list type="bullet">
/// <item>C1 = CE(p2) − CE(p1) per sequence on the SFT targets. With p_D a point mass, H(p_D) = 0, so CE(p) = E_q KL(p_D‖p)
/// and C1 = E_q[KL(p_D‖p2) − KL(p_D‖p1)] exactly (paper.md §3.4(b)): a direct measurement. CE(p1) itself is KL(p_D‖p1),
/// how far the SFT checkpoint is from the data (explanation 1 of §3.4(h)).</item>
/// <item>KL(p2‖p1) and KL(p1‖p2) by Monte-Carlo: y ~ p(·|x) at temperature 1, top-p 1, no top-k (the policy itself, not
/// the evaluation sampler), log p2(y|x) − log p1(y|x) from the same <see cref="CrossEntropy.PerSequence"/> scorer for both
/// models. Responses are cut at max_new_tokens; the estimate is then the KL between the length-capped response
/// distributions, a valid distribution pair.</item>
/// <item>J(p) = E[r] of the pipeline's training reward on the same samples; ΔJ = J(p2) − J(p1) (paired over prompts);
/// J_D = r(x, y_D), the data's own reward (strict: −1, the SFT target has an empty think; label-only: +1).</item>
/// </list>
/// Relations checked (each "holds" when 0 lies in the 95% interval of measured − predicted, per-prompt paired):
/// <list type="bullet">
/// <item>(10)-check: C1 = E_q KL(p1‖p2), exact for any p2 when p1 = p_D (Theorem 3.1's assumption (10)).</item>
/// <item>Theorem 3.1 (d) (β &gt; 0, SFT-then-RL): C1 = ΔJ/β − E_q KL(p2‖p1), exact for the regularised optimum under (10).</item>
/// <item>Gibbs identity (β &gt; 0): C1 = (J(p2) − J_D)/β − E_q KL(p2‖p1), exact for p2 = p1·e^{r/β}/Z (Eq. 12) with any p1:
/// C1 = E_q[log Z_β − E_{p_D} r/β] (Eq. 13) and KL(p2‖p1) = E_{p2} r/β − log Z_β. Under (10), J_D = J(p1) and it is (d).</item>
/// <item>Proposition 1 (Eq. 15, two-sided): |ΔJ| ≤ R_max·√(2·E_q KL(p2‖p1)), R_max = 1 (every CoLA reward here is ±1, so
/// max |r| = 1, which is also the half-width of the range). Holds unless |ΔJ|'s lower bound exceeds the bound's upper one.</item>
/// </list>
/// </summary>
public sealed class TheoryBridge(BridgeOptions options, long padId, IReadOnlyList<long> stopIds, Func<long[], string> decode)
{
    public const double RMax = 1.0;
    /// <summary>SFT batches are cut at max_length; the bridge scores whole prompt + response sequences.</summary>
    private const int NoTruncation = 4096;

    public BridgeOptions Options => options;

    /// <summary>A prompt set: the name, the prompts the policy answers (ids) with their labels, and the data target y_D of each.</summary>
    public sealed record PromptSet(string Name, IReadOnlyList<GrpoPrompt> Prompts, IReadOnlyList<SftExample> Data);

    /// <summary>The SFT test prompts (where the paper's C1 lives) and the first RL prompts GRPO trains on (seed order), with y_D.</summary>
    /// <param name="sftTrain">The training sentences with the SFT data's labels (index-aligned with <paramref name="train"/>).</param>
    /// <param name="sftTest">The test sentences with the SFT data's labels (index-aligned with <paramref name="test"/>).</param>
    public static IReadOnlyList<PromptSet> PromptSets(ColaTaskEncoder encoder, IReadOnlyList<ColaExample> train, IReadOnlyList<ColaExample> test,
        IReadOnlyList<ColaExample> sftTrain, IReadOnlyList<ColaExample> sftTest, int seed, int n)
    {
        // The reward scores the truth; p_D is the SFT data, whose labels may differ from it (annotated labels).
        var testData = test.Zip(sftTest, (truth, labelled) => (truth, Data: encoder.Sft(labelled))).Take(n).ToList();
        var trainData = DataOrder.Permutation(seed, 0, train.Count).Take(n).Select(i => (Prompt: encoder.Rl(train[i]), Label: sftTrain[i])).ToList();
        return
        [
            new("sft-test", testData.Select(p => new GrpoPrompt(p.Data.PromptIds.ToArray(), encoder.Formatter.GroundTruth(p.truth))).ToList(),
                testData.Select(p => p.Data).ToList()),
            new("rl-train", trainData.Select(p => p.Prompt).ToList(),
                trainData.Select(p => new SftExample(p.Prompt.PromptIds, encoder.Sft(p.Label).CompletionIds)).ToList()),
        ];
    }

    /// <summary>What is fixed for a stage: the frozen p1, its samples and log-probs, per prompt set.</summary>
    public sealed class Reference(Qwen3ForCausalLM model, string pipeline, int seed, double? beta, IReward reward, IReadOnlyList<PromptSet> sets, IReadOnlyList<Side> sides, IReadOnlyList<double[]> nll)
    {
        public Qwen3ForCausalLM Model => model;
        public string Pipeline => pipeline;
        public int Seed => seed;
        public double? Beta => beta;
        public IReward Reward => reward;
        internal IReadOnlyList<PromptSet> Sets => sets;
        internal IReadOnlyList<Side> Sides => sides;
        internal IReadOnlyList<double[]> DataNll => nll;
    }

    /// <summary>Samples of one model on one prompt set: the (prompt, response) pairs, their rewards and −log p under that model.</summary>
    public sealed record Side(IReadOnlyList<SftExample> Pairs, double[] Rewards, double[] Nll);

    /// <summary>Freezes the stage's start (a copy; the live model keeps training), samples from it and scores it once.</summary>
    public Reference Start(Qwen3ForCausalLM p1, string pipeline, int seed, double? beta, IReward reward, IReadOnlyList<PromptSet> sets)
    {
        var frozen = ModelCopy.Frozen(p1);
        var sides = sets.Select((s, k) => Sample(frozen, s, reward, SampleSeed(seed, 0, k))).ToList();
        var nll = sets.Select(s => CrossEntropy.PerSequence(frozen, s.Data, padId, NoTruncation, options.BatchSize).Nll).ToList();
        return new Reference(frozen, pipeline, seed, beta, reward, sets, sides, nll);
    }

    /// <summary>The rows of checkpoint p2 (the live model at <paramref name="step"/>) against the reference, one per prompt set.</summary>
    public IReadOnlyList<BridgeRow> Measure(Reference r, Qwen3ForCausalLM p2, int step)
    {
        var rows = new List<BridgeRow>();
        bool wasTraining = p2.training;
        for (int k = 0; k < r.Sets.Count; k++)
        {
            var set = r.Sets[k];
            var from1 = r.Sides[k];
            var from2 = Sample(p2, set, r.Reward, SampleSeed(r.Seed, step, k));
            double[] nll2Data = CrossEntropy.PerSequence(p2, set.Data, padId, NoTruncation, options.BatchSize).Nll;
            double[] nll2On1 = CrossEntropy.PerSequence(p2, from1.Pairs, padId, NoTruncation, options.BatchSize).Nll;
            double[] nll1On2 = CrossEntropy.PerSequence(r.Model, from2.Pairs, padId, NoTruncation, options.BatchSize).Nll;
            double[] jData = set.Data.Select((d, i) => r.Reward.Score(decode(d.CompletionIds.ToArray()), set.Prompts[i].Label)).ToArray();
            rows.Add(Row(r.Pipeline, r.Seed, step, set.Name, r.Beta, options.Samples,
                r.DataNll[k], nll2Data, from1.Rewards, from1.Nll, nll2On1, from2.Rewards, from2.Nll, nll1On2, jData));
        }
        p2.train(wasTraining);
        return rows;
    }

    /// <summary>
    /// The estimates and checks from per-sample arrays (prompt-major: prompt i's samples at i·m … i·m + m − 1). Pure arithmetic,
    /// so the relations can be tested on constructed numbers. nllXOnY: −log pX on samples of pY.
    /// </summary>
    public static BridgeRow Row(string pipeline, int seed, int step, string prompts, double? beta, int m,
        double[] nll1Data, double[] nll2Data, double[] r1, double[] nll1On1, double[] nll2On1, double[] r2, double[] nll2On2, double[] nll1On2, double[] jData)
    {
        int n = nll1Data.Length;
        double[] PerPrompt(Func<int, double> f) => Enumerable.Range(0, n).Select(i => Enumerable.Range(i * m, m).Average(f)).ToArray();
        var c1 = Enumerable.Range(0, n).Select(i => nll2Data[i] - nll1Data[i]).ToArray();
        var kl12 = PerPrompt(j => nll2On1[j] - nll1On1[j]);                 // E_{p1}[log p1 − log p2]
        var kl21 = PerPrompt(j => nll1On2[j] - nll2On2[j]);                 // E_{p2}[log p2 − log p1]
        var j1 = PerPrompt(j => r1[j]);
        var j2 = PerPrompt(j => r2[j]);
        var dj = Enumerable.Range(0, n).Select(i => j2[i] - j1[i]).ToArray();
        RelationCheck Paired(double[] measured, double[] predicted)
        {
            var d = Estimate.Of(Enumerable.Range(0, n).Select(i => measured[i] - predicted[i]).ToArray());
            return new RelationCheck(measured.Average(), predicted.Average(), d, d.Low <= 0 && 0 <= d.High);
        }
        RelationCheck? theorem31d = null, gibbs = null;
        if (beta is > 0 and var b)
        {
            theorem31d = Paired(c1, Enumerable.Range(0, n).Select(i => dj[i] / b - kl21[i]).ToArray());
            gibbs = Paired(c1, Enumerable.Range(0, n).Select(i => (j2[i] - jData[i]) / b - kl21[i]).ToArray());
        }
        var djE = Estimate.Of(dj);
        var kl21E = Estimate.Of(kl21);
        double bound = RMax * Math.Sqrt(2 * Math.Max(0, kl21E.Mean));
        double boundHigh = RMax * Math.Sqrt(2 * Math.Max(0, kl21E.High));
        double gapLow = Math.Max(0, Math.Abs(djE.Mean) - Estimate.Z95 * djE.Se);
        var prop1 = new RelationCheck(Math.Abs(djE.Mean), bound, new Estimate(Math.Abs(djE.Mean) - bound, djE.Se), gapLow <= boundHigh);
        return new BridgeRow(pipeline, seed, step, prompts, beta, Estimate.Of(c1), Estimate.Of(kl12), kl21E, Estimate.Of(j1), Estimate.Of(j2), djE,
            jData.Average(), nll1Data.Average(), Paired(c1, kl12), theorem31d, gibbs, prop1);
    }

    private Side Sample(Qwen3ForCausalLM model, PromptSet set, IReward reward, ulong seed)
    {
        using var scope = torch.NewDisposeScope();
        int m = options.Samples;
        bool wasTraining = model.training;
        model.eval();
        var jobs = set.Prompts.SelectMany(p => Enumerable.Repeat(p, m)).ToList();
        var pairs = new List<SftExample>();
        var rewards = new List<double>();
        int batchNo = 0;
        foreach (var chunk in jobs.Chunk(options.BatchSize))
        {
            var sampling = new SamplingOptions
            {
                DoSample = true, Temperature = 1.0, TopP = 1.0, TopK = 0, MaxNewTokens = options.MaxNewTokens,
                Seed = Seeds.SamplingBatch(seed, batchNo++), EosTokenIds = stopIds, PadTokenId = padId,
            };
            var result = TokenGenerator.Generate(model, chunk.Select(j => j.PromptIds).ToList(), sampling);
            for (int k = 0; k < chunk.Length; k++)
            {
                pairs.Add(new SftExample(chunk[k].PromptIds, result.Tokens[k]));
                rewards.Add(reward.Score(decode(result.Tokens[k]), chunk[k].Label));
            }
        }
        var nll = CrossEntropy.PerSequence(model, pairs, padId, NoTruncation, options.BatchSize).Nll;
        model.train(wasTraining);
        return new Side(pairs, rewards.ToArray(), nll);
    }

    private static ulong SampleSeed(int seed, int step, int set) => Seeds.BridgeSample(seed, step, set);
}
