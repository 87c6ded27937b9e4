using System.Text.Json.Serialization;

namespace Reproduction.Sampling;

/// <summary>Why a sequence stopped: it produced an eos id, or it reached max_new_tokens.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StopReason>))]
public enum StopReason
{
    [JsonStringEnumMemberName("eos")] Eos,
    [JsonStringEnumMemberName("max_new_tokens")] MaxNewTokens,
}
