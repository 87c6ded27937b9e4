using System.Text.Json.Serialization;

namespace Reproduction.Grpo;

/// <summary>
/// How per-token losses are aggregated into the scalar that is back-propagated. The first four are TRL's
/// `GRPOConfig.loss_type`; the last three are verl's `actor.loss_agg_mode`. Formulas: <see cref="GrpoLoss"/>.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LossType>))]
public enum LossType
{
    /// <summary>TRL `grpo`: mean over sequences of the per-sequence token mean, / GA.</summary>
    [JsonStringEnumMemberName("grpo")] Grpo,
    /// <summary>TRL `bnpo`: token mean over the local batch, / GA.</summary>
    [JsonStringEnumMemberName("bnpo")] Bnpo,
    /// <summary>TRL `dr_grpo`: token sum / (B · max_completion_length), / GA.</summary>
    [JsonStringEnumMemberName("dr_grpo")] DrGrpo,
    /// <summary>TRL `dapo` (TRL's default): token sum / (num_items_in_batch / num_processes), no GA division.</summary>
    [JsonStringEnumMemberName("dapo")] Dapo,
    /// <summary>verl `token-mean` (verl's default and the public CoLA setup's): token sum / token count, / GA.</summary>
    [JsonStringEnumMemberName("token-mean")] TokenMean,
    /// <summary>verl `seq-mean-token-sum`: mean over sequences of the per-sequence token sum, / GA.</summary>
    [JsonStringEnumMemberName("seq-mean-token-sum")] SeqMeanTokenSum,
    /// <summary>verl `seq-mean-token-mean`: mean over sequences of the per-sequence token mean, / GA.</summary>
    [JsonStringEnumMemberName("seq-mean-token-mean")] SeqMeanTokenMean,
}
