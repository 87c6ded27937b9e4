using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>The SDPA attention path gives the golden logits within the same tolerances as the eager path.</summary>
public sealed class Qwen3SdpaGoldenTests
{
    public static IEnumerable<TheoryDataRow<string>> Stems() => GoldenQwen3.Stems();

    [Theory]
    [MemberData(nameof(Stems))]
    public void Sdpa_logits_match_transformers_on_every_case(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var model = Qwen3ForCausalLM.FromPretrained(g.CheckpointFolder, g.ComputeDtype, attnImplementation: Qwen3Config.Sdpa);
        using var noGrad = torch.no_grad();
        foreach (var name in g.CaseNames)
        {
            using var scope = torch.NewDisposeScope();
            var c = g.Case(name);
            var mask = GoldenQwen3.Ids(c, "attention_mask");
            var output = model.Forward(GoldenQwen3.Ids(c, "input_ids")!, mask, GoldenQwen3.Ids(c, "position_ids"));
            var (max, mean) = Diff.Abs(output.Logits!, g.Array($"{name}.logits"), mask);
            TestContext.Current.TestOutputHelper?.WriteLine($"sdpa {stem} {name}: logits max {max:E2} mean {mean:E2}");
            Assert.True(max <= g.Tol.Logits && mean <= g.Tol.LogitsMean, $"sdpa {stem} {name}: logits max |diff| {max:E3}, mean {mean:E3}");
        }
    }
}
