using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>A frozen, independent copy of a model (the GRPO reference policy π_ref when beta &gt; 0).</summary>
public static class ModelCopy
{
    public static Qwen3ForCausalLM Frozen(Qwen3ForCausalLM source)
    {
        using var noGrad = torch.no_grad();
        var weights = source.NamedWeights().ToDictionary(w => w.Name, w => w.Tensor.detach().clone().DetachFromDisposeScope());
        var copy = new Qwen3ForCausalLM(source.Config, name => weights[name], source.GenerationConfig);
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        return copy;
    }
}
