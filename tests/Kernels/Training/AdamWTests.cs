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
    public void A_parameter_above_the_slice_size_is_updated_in_slices_as_torch_optim_AdamW_updates_it_whole()
    {
        // One float64 parameter of 2.5 slices (the last one partial), three steps with weight decay, against torch's AdamW.
        long n = AdamW.ChunkElements * 5 / 2;
        var g = new torch.Generator(11);
        var init = torch.randn(n, dtype: ScalarType.Float64, generator: g);
        var grads = Enumerable.Range(0, 3).Select(_ => torch.randn(n, dtype: ScalarType.Float64, generator: g)).ToArray();
        var ours = new TorchSharp.Modules.Parameter(init.clone());
        var theirs = new TorchSharp.Modules.Parameter(init.clone());
        var opt = new AdamW([("w", ours)], new AdamW.Options(0.9, 0.95, 1e-8, 0.1));
        var reference = torch.optim.AdamW([theirs], lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        foreach (var grad in grads)
        {
            ours.grad = grad.clone();
            opt.StepWith(1e-2);
            theirs.grad = grad.clone();
            reference.step();
        }
        double worst = (ours - theirs).abs().max().item<double>();
        Assert.True(worst <= Float64Tolerance, $"largest difference {worst}");
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

    /// <summary>bfloat16's spacing on [2⁻⁷, 2⁻⁶), where a weight of 0.01 lies: 2⁻⁷ · 2⁻⁷ (8 significand bits).</summary>
    private const double Bf16SpacingNear001 = 1.0 / (1 << 14);

    [Fact]
    public void Lr_1e_6_steps_move_the_float32_master_at_once_and_the_bfloat16_weight_once_they_add_up_where_plain_bfloat16_loses_them()
    {
        // The paper's GRPO learning rate on a weight of 0.01, Qwen3-0.6B's order of magnitude: a constant gradient makes
        // each Adam step lr = 1e-6, about 1/61 of the bfloat16 spacing there, so a bfloat16 weight rounds every step away.
        const double lr = 1e-6;
        var start = torch.full(4, 0.01, ScalarType.BFloat16);
        double w0 = start.to(ScalarType.Float64).data<double>()[0];
        var ours = new TorchSharp.Modules.Parameter(start.clone());
        var plain = new TorchSharp.Modules.Parameter(start.clone());
        var opt = new AdamW([("w", ours)], new AdamW.Options());
        var plainOpt = torch.optim.AdamW([plain], lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0);
        double Master() => opt.StateTensors()["master.w"].to(ScalarType.Float64).data<double>()[0];
        static double Value(Tensor t) => t.to(ScalarType.Float64).data<double>()[0];
        void Step()
        {
            opt.ZeroGrad();
            ours.to(ScalarType.Float32).sum().backward();                        // gradient 1 on every weight
            opt.StepWith(lr);
            plainOpt.zero_grad();
            plain.to(ScalarType.Float32).sum().backward();
            plainOpt.step();
        }

        Step();
        Assert.Equal(w0 - lr, Master(), 1e-9);                                    // the float32 master moved by lr
        Assert.Equal(w0, Value(ours));                                            // the bfloat16 copy did not, yet
        for (int i = 1; i < 200; i++) Step();
        // 200 steps: the master is 2e-4 lower, 3.3 bfloat16 spacings; the bfloat16 weight follows it to within half a spacing.
        Assert.Equal(w0 - 200 * lr, Master(), 1e-7);
        Assert.InRange(Value(ours), Master() - Bf16SpacingNear001 / 2, Master() + Bf16SpacingNear001 / 2);
        Assert.True(Value(ours) <= w0 - 3 * Bf16SpacingNear001, $"the bfloat16 weight moved to {Value(ours):R} from {w0:R}");
        Assert.Equal(w0, Value(plain));                                           // torch's AdamW on the bfloat16 tensor lost every step
    }
}
