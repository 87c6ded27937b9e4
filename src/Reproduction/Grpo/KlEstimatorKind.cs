using System.Text.Json.Serialization;

namespace Reproduction.Grpo;

/// <summary>
/// Which per-token estimator of KL(π_θ ‖ π_ref) the penalty uses (Schulman's k1/k2/k3). Formulas:
/// <see cref="KlEstimator"/>. Note the naming clash: in verl `k3` is an alias of `low_var_kl` (clamped);
/// here `k3` is TRL's unclamped estimator and `low_var_kl` is verl's clamped one.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<KlEstimatorKind>))]
public enum KlEstimatorKind
{
    /// <summary>k1 = logp − ref (verl `kl`/`k1`).</summary>
    [JsonStringEnumMemberName("k1")] K1,
    /// <summary>k2 = ½ (logp − ref)² (verl `mse`/`k2`).</summary>
    [JsonStringEnumMemberName("k2")] K2,
    /// <summary>k3 = exp(ref − logp) − (ref − logp) − 1, unclamped (TRL, the only estimator TRL has).</summary>
    [JsonStringEnumMemberName("k3")] K3,
    /// <summary>verl `low_var_kl`: k3 with ref − logp clamped to ±20 and the result clamped to [−10, 10].</summary>
    [JsonStringEnumMemberName("low_var_kl")] LowVarKl,
}
