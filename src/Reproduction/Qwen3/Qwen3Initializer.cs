using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Qwen3;

/// <summary>
/// A freshly initialised Qwen3 as transformers' `_init_weights` makes one: every linear and embedding weight
/// ~ N(0, initializer_range²) (0.02 in Qwen3's config), every RMSNorm weight = 1. Seeded through its own
/// torch.Generator, so the same (config, seed) gives the same model bit for bit and touches no global RNG.
/// </summary>
public static class Qwen3Initializer
{
    public const double DefaultInitializerRange = 0.02;

    public static Qwen3ForCausalLM Create(Qwen3Config config, long seed, ScalarType dtype = ScalarType.Float32,
        double initializerRange = DefaultInitializerRange, GenerationConfig? generationConfig = null)
    {
        var shapes = config.ParameterShapes().ToDictionary(p => p.Name, p => p.Shape);
        using var generator = new torch.Generator((ulong)seed);
        using var noGrad = torch.no_grad();
        // Draw in HF parameter order so that the values do not depend on the order modules ask for them.
        var values = new Dictionary<string, Tensor>();
        foreach (var (name, shape) in config.ParameterShapes())
        {
            var t = name.EndsWith("norm.weight", StringComparison.Ordinal)
                ? torch.ones(shape, ScalarType.Float32)
                : torch.normal(0.0, initializerRange, shape, ScalarType.Float32, generator: generator);
            values[name] = t.to(dtype).DetachFromDisposeScope();
        }
        return new Qwen3ForCausalLM(config, name => values.TryGetValue(name, out var t)
            ? t
            : throw new ReproException($"initializer: no parameter '{name}' in the config's parameter list"), generationConfig);
    }
}
