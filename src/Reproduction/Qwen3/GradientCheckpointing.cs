using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// Gradient checkpointing of one decoder layer, as transformers' `gradient_checkpointing_enable()` does with
/// `torch.utils.checkpoint` (reentrant): the forward runs the layer without building its graph and keeps only the
/// layer's input; the backward runs the layer again with the graph and back-propagates the incoming gradient through
/// it, which fills the layer's parameter gradients and returns the input's. Activation memory falls from every
/// intermediate of every layer to one hidden state per layer (plus one layer's intermediates during its backward),
/// for one more forward pass per step. Qwen3 has no dropout, so the recomputation is exactly the forward.
/// TorchSharp 0.107 has no `torch.utils.checkpoint`; this is its custom autograd function.
/// </summary>
public sealed class GradientCheckpointing : torch.autograd.SingleTensorFunction<GradientCheckpointing>
{
    public override string Name => "Qwen3DecoderLayerCheckpoint";

    /// <summary>The layer's output for x [B, T, hidden]; its backward recomputes the layer (no KV cache, no trace).</summary>
    public static Tensor Layer(Qwen3DecoderLayer layer, Tensor x, Tensor cos, Tensor sin, Tensor? mask) =>
        apply(layer, x, cos, sin, mask!);

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var (layer, x, cos, sin, mask) = Unpack(vars);
        ctx.save_data("layer", layer);
        ctx.save_for_backward([x, cos, sin, mask!]);
        return layer.Forward(x, cos, sin, mask, cache: null, trace: null);
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var layer = (Qwen3DecoderLayer)ctx.get_data("layer");
        Tensor inputGrad;
        // The recomputed graph and its intermediates live only in this scope: that is the memory checkpointing saves.
        using (var scope = torch.NewDisposeScope())
        using (torch.enable_grad())
        {
            var saved = ctx.get_saved_variables();
            var x = saved[0].detach().requires_grad_(true);
            var mask = saved[3] is { IsInvalid: false } m ? m : null;
            var output = layer.Forward(x, saved[1], saved[2], mask, cache: null, trace: null);
            output.backward([gradOutput]);
            inputGrad = x.grad!.MoveToOuterDisposeScope();
        }
        return [null!, inputGrad, null!, null!, null!];
    }

    private static (Qwen3DecoderLayer Layer, Tensor X, Tensor Cos, Tensor Sin, Tensor? Mask) Unpack(object[] vars) =>
        ((Qwen3DecoderLayer)vars[0], (Tensor)vars[1], (Tensor)vars[2], (Tensor)vars[3], vars[4] as Tensor);
}
