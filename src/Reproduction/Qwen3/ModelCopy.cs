using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>A frozen, independent copy of a model (the GRPO reference policy π_ref when beta &gt; 0).</summary>
public static class ModelCopy
{
    public static Qwen3ForCausalLM Frozen(Qwen3ForCausalLM source) => Copy(source, trainable: false);

    /// <summary>An independent trainable copy (each pipeline of a study starts from its own copy of the base).</summary>
    public static Qwen3ForCausalLM Trainable(Qwen3ForCausalLM source) => Copy(source, trainable: true);

    private static Qwen3ForCausalLM Copy(Qwen3ForCausalLM source, bool trainable)
    {
        using var noGrad = torch.no_grad();
        var weights = source.NamedWeights().ToDictionary(w => w.Name, w =>
        {
            using var view = w.Tensor.detach();
            return view.clone().DetachFromDisposeScope();
        });
        var copy = new Qwen3ForCausalLM(source.Config, name => weights[name], source.GenerationConfig);
        if (!trainable)
        {
            foreach (var p in copy.parameters()) p.requires_grad = false;
            copy.eval();
        }
        return copy;
    }
}
