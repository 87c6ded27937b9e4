using Reproduction.Grpo;
using Reproduction.Qwen3;
using Reproduction.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// What one step of a schedule gathered, handed to <see cref="Schedule.Loss"/>: the step's prompts with their groups
/// (sampled completions, then any expert completions, each scored by the training reward, with the group advantages),
/// the demonstrations it drew, and the demonstrations of its own prompts. Log-probabilities are computed on demand, on
/// the autograd graph, inside the step's dispose scope.
/// </summary>
public sealed class ScheduleStep
{
    public required int Step { get; init; }
    public required int TotalSteps { get; init; }
    public required GrpoOptions Grpo { get; init; }

    /// <summary>The plan's phase ("sft" or "rl").</summary>
    public required string Phase { get; init; }

    /// <summary>Training indices of the step's prompts (group k holds rows k·G … k·G + G − 1).</summary>
    public required IReadOnlyList<int> Prompts { get; init; }

    /// <summary>Rows per group: sampled completions, then expert ones.</summary>
    public required int GroupSize { get; init; }

    /// <summary>The training reward of every row.</summary>
    public required double[] Rewards { get; init; }

    /// <summary>Whether a row is an expert completion (not sampled).</summary>
    public required bool[] IsExpert { get; init; }

    /// <summary>[rows] group advantages from the schedule's <see cref="Schedule.AdvantageOptions"/>.</summary>
    public required Tensor Advantages { get; init; }

    /// <summary>[rows, C] 1 on completion tokens.</summary>
    public required Tensor CompletionMask { get; init; }

    /// <summary>[rows, C] log-probabilities under the reference model (the base) when grpo beta &gt; 0, else null.</summary>
    public Tensor? ReferenceLogps { get; init; }

    /// <summary>The demonstrations drawn from the SFT stream (or named by the plan).</summary>
    public required IReadOnlyList<SftExample> StreamDemos { get; init; }

    /// <summary>The demonstration (SFT data) of each of the step's prompts, in prompt order.</summary>
    public required IReadOnlyList<SftExample> PromptDemos { get; init; }

    /// <summary>Computes <see cref="Policy"/> (the engine: a forward pass over the rows; a test: given tensors).</summary>
    public required Func<(Tensor Logps, Tensor Entropy)> PolicyFn { get; init; }
    /// <summary>Computes the log-probabilities of demonstrations.</summary>
    public required Func<IReadOnlyList<SftExample>, DemoLogps> DemoFn { get; init; }

    private (Tensor Logps, Tensor Entropy)? _policy;
    private DemoLogps? _stream;

    /// <summary>The policy's log-probabilities [rows, C] of the rows' tokens and its entropy there (detached).</summary>
    public (Tensor Logps, Tensor Entropy) Policy() => _policy ??= PolicyFn();

    public DemoLogps StreamDemoLogps() => _stream ??= DemoFn(StreamDemos);

    public DemoLogps DemoLogpsOf(IReadOnlyList<SftExample> demos) => DemoFn(demos);

    public int Rows => Rewards.Length;

    /// <summary>Correct sampled completions (reward &gt; 0) of group k.</summary>
    public int Correct(int group) => Enumerable.Range(group * GroupSize, GroupSize).Count(r => !IsExpert[r] && Rewards[r] > 0);

    /// <summary>[rows] 1 for the rows of the groups <paramref name="keep"/> selects.</summary>
    public Tensor RowSelection(Func<int, bool> keep) =>
        torch.tensor(Enumerable.Range(0, Rows).Select(r => keep(r / GroupSize) ? 1f : 0f).ToArray(), device: CompletionMask.device);

    /// <summary>
    /// The GRPO surrogate (the preset's loss type and clipping, plus β·KL to the base when β &gt; 0; <see cref="GrpoLoss"/>) over the rows <paramref name="rows"/>
    /// selects ([rows] 0/1; null: all), normalised by the selected rows' tokens; 0 when none is selected.
    /// </summary>
    public Tensor GrpoTerm(Tensor? rows = null)
    {
        var (logps, _) = Policy();
        var mask = rows is null ? CompletionMask : CompletionMask * rows.unsqueeze(1);
        double tokens = mask.sum().item<float>();
        if (tokens == 0) return (logps * 0).sum();
        long sequences = mask.sum(-1).gt(0).sum().item<long>();
        // The result's tensors belong to the step's dispose scope.
        return GrpoLoss.Compute(new GrpoLossInputs(logps, null, ReferenceLogps, Advantages, mask,
            NumItemsInBatch: tokens, NumSequencesInBatch: sequences, NumRowsInBatch: sequences), Grpo).Loss;
    }
}

/// <summary>Log-probabilities [N, T] of demonstration tokens (on the graph), their mask, and the policy's entropy there (detached).</summary>
public sealed record DemoLogps(Tensor Logps, Tensor Mask, Tensor Entropy, int Count)
{
    public static DemoLogps Of(Qwen3ForCausalLM model, IReadOnlyList<SftExample> demos, long padId, int maxLength, bool completionOnly)
    {
        if (demos.Count == 0)
        {
            var z = torch.zeros(0, 1, device: model.Device);
            return new DemoLogps(z, z, z, 0);
        }
        using var batch = SftBatch.Collate(demos, padId, maxLength, completionOnly, model.Device);
        var lp = TokenLogProbs.Compute(model, batch.InputIds, batch.AttentionMask, targetMask: batch.LossMask, withEntropy: true);
        return new DemoLogps(lp.LogProbs.to(ScalarType.Float32), lp.Valid.to(ScalarType.Float32), lp.Entropy!.to(ScalarType.Float32), demos.Count);
    }
}
