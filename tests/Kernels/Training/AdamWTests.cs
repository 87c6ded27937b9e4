using Reproduction.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Training;

/// <summary>Our AdamW must take the same steps as torch.optim.AdamW, and restore its state exactly.</summary>
public sealed class AdamWTests
{
    /// <summary>float64 with the same formula up to the order of a few operations: agreement to ~1e-15 relative.</summary>
    private const double Float64Tolerance = 1e-12;

    /// <summary>
    /// Two models with identical weights and one regression problem. The second model's weights are copied from the
    /// first, not drawn again after a second manual_seed: the global generator is shared with tests running in
    /// parallel in this process, so two seeded draws need not see the same stream (CI once got different models).
    /// </summary>
    private static (nn.Module<Tensor, Tensor> Ours, nn.Module<Tensor, Tensor> Twin, Tensor X, Tensor Y) Problem(long seed)
    {
        static nn.Module<Tensor, Tensor> Net() => nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).to(ScalarType.Float64);
        var ours = Net();
        var twin = Net();
        var g = new torch.Generator((ulong)seed);
        using (torch.no_grad())
        {
            foreach (var p in ours.parameters()) p.copy_(torch.randn(p.shape, dtype: ScalarType.Float64, generator: g) * 0.5);
            foreach (var ((_, po), (_, pt)) in ours.named_parameters().Zip(twin.named_parameters())) pt.copy_(po);
        }
        var x = torch.randn(16, 4, dtype: ScalarType.Float64, generator: g);
        var y = torch.randn(16, 3, dtype: ScalarType.Float64, generator: g);
        return (ours, twin, x, y);
    }

    private static double[] Flat(nn.Module m) => m.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();

    [Fact]
    public void Five_steps_with_weight_decay_match_torch_optim_AdamW()
    {
        var (ours, theirs, x, y) = Problem(7);
        var opt = new AdamW(ours.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options(0.9, 0.95, 1e-8, 0.1));
        var reference = torch.optim.AdamW(theirs.parameters(), lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        for (int step = 0; step < 5; step++)
        {
            opt.ZeroGrad();
            nn.functional.mse_loss(ours.call(x), y).backward();
            opt.StepWith(1e-2);

            reference.zero_grad();
            nn.functional.mse_loss(theirs.call(x), y).backward();
            reference.step();
        }
        var a = Flat(ours);
        var b = Flat(theirs);
        Assert.Equal(b.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= Float64Tolerance * (1 + Math.Abs(b[i])), $"param {i}: {a[i]} vs {b[i]}");
        Assert.Equal(5, opt.Step);
    }

    [Fact]
    public void Restoring_the_state_continues_bit_identically()
    {
        var (a, b, x, y) = Problem(3);
        var optA = new AdamW(a.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
        void Train(nn.Module<Tensor, Tensor> m, AdamW o)
        {
            o.ZeroGrad();
            nn.functional.mse_loss(m.call(x), y).backward();
            o.StepWith(1e-3);
        }
        for (int i = 0; i < 3; i++) Train(a, optA);

        // b: copy weights and optimizer state from a after 3 steps, then both take 2 more.
        using (torch.no_grad())
            foreach (var ((_, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters())) pb.copy_(pa);
        var optB = new AdamW(b.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
        var saved = optA.StateTensors().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        optB.LoadState(saved, optA.Step, "test");
        for (int i = 0; i < 2; i++) { Train(a, optA); Train(b, optB); }

        Assert.Equal(Flat(a), Flat(b));
    }

    [Fact]
    public void Loading_state_with_a_missing_tensor_names_it()
    {
        var (m, _, _, _) = Problem(1);
        var opt = new AdamW(m.named_parameters().Select(p => (p.name, p.parameter)), new AdamW.Options());
        var partial = opt.StateTensors().Skip(1).ToDictionary();
        var e = Assert.Throws<Reproduction.ReproException>(() => opt.LoadState(partial, 1, "ckpt/optimizer.safetensors"));
        Assert.Contains("ckpt/optimizer.safetensors", e.Message);
        Assert.Contains(opt.StateTensors().First().Key, e.Message);
    }
}

/// <summary>bfloat16 parameters train through float32 master weights, so steps far below bf16's resolution accumulate.</summary>
public sealed class AdamWMixedPrecisionTests
{
    [Fact]
    public void Tiny_updates_to_bfloat16_weights_accumulate_in_the_float32_master_copy()
    {
        // lr 1e-4 on weights of 1.0: each step moves ~1e-4, far below bf16's spacing at 1.0 (2^-7 ≈ 0.0078).
        var w = new TorchSharp.Modules.Parameter(torch.ones(4, ScalarType.BFloat16));
        var opt = new AdamW([("w", w)], new AdamW.Options());
        for (int i = 0; i < 200; i++)
        {
            opt.ZeroGrad();
            (w.to(ScalarType.Float32) * torch.ones(4)).sum().backward();       // gradient 1 on every weight
            opt.StepWith(1e-4);
        }
        // Adam's step is ~lr per iteration: 200 × 1e-4 = 0.02 in total, i.e. w ≈ 0.98 (bf16 rounds it to 0.98046875).
        Assert.All(w.to(ScalarType.Float32).data<float>().ToArray(), x => Assert.InRange(x, 0.975f, 0.985f));
        Assert.Contains("master.w", opt.StateTensors().Keys);
    }
}
