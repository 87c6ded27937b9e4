using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Experiments.Schedules;

/// <summary>How a schedule's SFT term weights each demonstration token's negative log-likelihood.</summary>
public enum SftTokenWeight
{
    /// <summary>Cross-entropy: every token weighs 1 (TRL `loss_type="nll"`).</summary>
    Nll,
    /// <summary>DFT (Wu et al., arXiv 2508.05629; TRL `loss_type="dft"`): weight sg(p_t), the token's own probability.</summary>
    Dft,
    /// <summary>CHORD-φ (Zhang et al., arXiv 2508.11408): weight sg(p_t·(1 − p_t)), largest at p = ½, vanishing as p → 0 or 1.</summary>
    Phi,
}

/// <summary>
/// The SFT term of a schedule on demonstration tokens: −(1/N) Σ_t w_t·log p_t over the N completion tokens of a batch
/// (the token mean TRL's SFTTrainer takes), with w_t from <see cref="SftTokenWeight"/>, detached (stop-gradient).
/// </summary>
public static class SftTokenLoss
{
    /// <param name="logps">[B, T] log-probabilities of the demonstration tokens (on the graph).</param>
    /// <param name="mask">[B, T] 1 on completion tokens.</param>
    public static Tensor Compute(Tensor logps, Tensor mask, SftTokenWeight weight)
    {
        var m = mask.to(logps.dtype);
        var w = weight switch
        {
            SftTokenWeight.Nll => torch.ones_like(logps),
            SftTokenWeight.Dft => logps.detach().exp(),
            SftTokenWeight.Phi => logps.detach().exp() * (1 - logps.detach().exp()),
            _ => throw new ReproException($"unknown SFT token weight {weight}"),
        };
        return -(w * logps * m).sum() / m.sum().clamp(min: 1.0);
    }

    public static SftTokenWeight Parse(string text, string owner) => text switch
    {
        "nll" => SftTokenWeight.Nll,
        "dft" => SftTokenWeight.Dft,
        _ => throw new ReproException($"{owner}: sft_loss '{text}' is not one of nll, dft"),
    };

    public static string Name(SftTokenWeight w) => w switch { SftTokenWeight.Nll => "nll", SftTokenWeight.Dft => "dft", _ => "phi" };
}
