using Reproduction.Qwen3;
using Reproduction.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>Runs alone: resident memory is per process, so a test allocating beside it would blur what the forward kept.</summary>
[CollectionDefinition(nameof(GradientCheckpointingTests), DisableParallelization = true)]
public sealed class GradientCheckpointingTestsCollection;

/// <summary>
/// Gradient checkpointing (<see cref="GradientCheckpointing"/>, transformers' `gradient_checkpointing_enable()`) gives
/// the gradients of the plain backward, and keeps one hidden state per layer through the forward instead of every
/// intermediate.
/// </summary>
[Collection(nameof(GradientCheckpointingTests))]
public sealed class GradientCheckpointingTests
{
    private static Qwen3Config Config(int hidden, int layers, int heads, int kvHeads, int headDim) => new()
    {
        VocabSize = 300, HiddenSize = hidden, IntermediateSize = 4 * hidden, NumHiddenLayers = layers,
        NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, HeadDim = headDim, TieWordEmbeddings = true, PadTokenId = 299,
        MaxPositionEmbeddings = 1024, RopeTheta = 10000,
    };

    /// <summary>Mean next-token cross-entropy of a left-padded batch, backward, and every parameter's gradient.</summary>
    private static Dictionary<string, Tensor> Gradients(Qwen3ForCausalLM model, Tensor ids, Tensor mask, int backwards)
    {
        model.zero_grad();
        for (int i = 0; i < backwards; i++)
        {
            using var scope = torch.NewDisposeScope();
            var logits = model.Forward(ids, mask).Logits!;
            var logp = logits[.., ..^1].log_softmax(-1).gather(-1, ids[.., 1..].unsqueeze(-1)).squeeze(-1);
            (-(logp * mask[.., 1..]).sum() / mask[.., 1..].sum()).backward();
        }
        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone().DetachFromDisposeScope());
    }

    [Fact]
    public void Checkpointed_gradients_equal_the_plain_backward_to_the_bit()
    {
        using var model = Qwen3ForCausalLM.Initialize(Config(32, 3, 4, 2, 8), seed: 7, ScalarType.Float64);
        using var scope = torch.NewDisposeScope();
        var ids = torch.randint(0, 299, [3, 12], generator: new torch.Generator(3), dtype: ScalarType.Int64);
        var mask = torch.ones(3, 12, dtype: ScalarType.Int64);
        mask[1, ..4] = torch.tensor(0L);                                   // a left-padded row: the mask reaches the recomputation
        foreach (int backwards in new[] { 1, 2 })                           // 2: accumulation over micro-batches
        {
            model.GradientCheckpointing = false;
            var plain = Gradients(model, ids, mask, backwards);
            model.GradientCheckpointing = true;
            var checkpointed = Gradients(model, ids, mask, backwards);
            Assert.Equal(plain.Keys, checkpointed.Keys);
            foreach (var (name, grad) in plain)
            {
                Assert.True(grad.abs().sum().item<double>() > 0, $"{name}: no gradient");
                Assert.True(grad.eq(checkpointed[name]).all().item<bool>(), $"{name} ({backwards} backward): max |Δ| {(grad - checkpointed[name]).abs().max().item<double>():E2}");
            }
        }
    }

    [Fact]
    public void The_forward_keeps_one_hidden_state_per_layer_instead_of_every_activation()
    {
        // 6 layers of 8 heads over 4 × 512 tokens: the attention probabilities alone are 34 MB a layer; a hidden state 2 MB.
        using var model = Qwen3ForCausalLM.Initialize(Config(256, 6, 8, 4, 32), seed: 7);
        using var scope = torch.NewDisposeScope();
        var ids = torch.randint(0, 299, [4, 512], generator: new torch.Generator(3), dtype: ScalarType.Int64);
        long Kept(bool checkpointing)
        {
            model.GradientCheckpointing = checkpointing;
            NativeAllocator.Release();
            long before = ProcessMemory.ResidentBytes() ?? throw new InvalidOperationException("no /proc/self/status");
            using var step = torch.NewDisposeScope();
            var hidden = model.Forward(ids, logitsToKeep: null).LastHiddenState;
            NativeAllocator.Release();
            long kept = (ProcessMemory.ResidentBytes() ?? 0) - before;
            hidden.sum().backward();                                       // the graph is used, then freed with the scope
            model.zero_grad();
            return kept;
        }
        Assert.SkipWhen(ProcessMemory.ResidentBytes() is null, "resident memory is read from /proc (Linux)");
        Kept(false);                                                        // warm-up: allocator pools and lazy buffers
        long plain = Kept(false), checkpointed = Kept(true);
        Assert.True(plain > 150L << 20, $"the plain forward kept only {plain >> 20} MiB: the test's sizes no longer exercise activations");
        Assert.True(checkpointed < plain / 4, $"with checkpointing the forward kept {checkpointed >> 20} MiB, without {plain >> 20} MiB");
    }
}
