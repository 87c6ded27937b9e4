using System.Text.Json.Serialization;

namespace Reproduction.Grpo;

/// <summary>TRL `GRPOConfig.scale_rewards`: which std divides the group-centred reward.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScaleRewards>))]
public enum ScaleRewards
{
    /// <summary>`group` (TRL default, = `True`): the unbiased std of the prompt's group.</summary>
    [JsonStringEnumMemberName("group")] Group,
    /// <summary>`batch`: the unbiased std of the whole batch (the mean is still per group).</summary>
    [JsonStringEnumMemberName("batch")] Batch,
    /// <summary>`none` (= `False`, the Dr. GRPO recipe): no division; the group std is only logged.</summary>
    [JsonStringEnumMemberName("none")] None,
}
