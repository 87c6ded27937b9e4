using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Repro.Tests.Qwen3;

/// <summary>
/// The forward pass reproduces transformers' Qwen3 (golden/qwen3-tiny) for every checkpoint and compute dtype:
/// logits, final and per-layer hidden states, per-layer intermediates, and the RoPE tables.
/// </summary>
public sealed class Qwen3ForwardGoldenTests
{
    public static IEnumerable<TheoryDataRow<string>> Stems() => GoldenQwen3.Stems();

    [Theory]
    [MemberData(nameof(Stems))]
    public void Logits_and_hidden_states_match_transformers_on_every_case(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        foreach (var name in g.CaseNames)
        {
            using var scope = torch.NewDisposeScope();
            var c = g.Case(name);
            var (ids, mask, pos) = GoldenQwen3.Inputs(c);
            var output = g.Model.Forward(ids, mask, pos, outputHiddenStates: true);

            var (max, mean) = Diff.Abs(output.Logits!, g.Array($"{name}.logits"), mask);
            TestContext.Current.TestOutputHelper?.WriteLine($"{stem} {name}: logits max {max:E2} mean {mean:E2}");
            Assert.True(max <= g.Tol.Logits && mean <= g.Tol.LogitsMean, $"{stem} {name}: logits max |diff| {max:E3}, mean {mean:E3} (tolerance {g.Tol.Logits:E1}, mean {g.Tol.LogitsMean:E1})");

            var (hmax, _) = Diff.Abs(output.LastHiddenState, g.Array($"{name}.last_hidden_state"), mask);
            TestContext.Current.TestOutputHelper?.WriteLine($"{stem} {name}: last_hidden_state max {hmax:E2}");
            Assert.True(hmax <= g.Tol.Hidden, $"{stem} {name}: last_hidden_state max |diff| {hmax:E3} > {g.Tol.Hidden:E1}");

            string[] points = ["hidden.embeddings", .. Enumerable.Range(0, g.Model.Config.NumHiddenLayers).Select(i => $"hidden.layer_{i}")];
            for (int i = 0; i < points.Length; i++)
            {
                var (lmax, _) = Diff.Abs(output.HiddenStates![i], g.Array($"{name}.{points[i]}"), mask);
                Assert.True(lmax <= g.Tol.Hidden, $"{stem} {name}: {points[i]} max |diff| {lmax:E3} > {g.Tol.Hidden:E1}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Stems))]
    public void Logits_to_keep_gives_the_last_positions_of_the_full_logits(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = GoldenQwen3.Ids(g.Case("single"), "input_ids")!;
        var full = g.Model.Forward(ids).Logits!;
        var last3 = g.Model.Forward(ids, logitsToKeep: 3).Logits!;
        Assert.Equal(new long[] { 1, 3, g.Model.Config.VocabSize }, last3.shape);
        // Not bit-identical: the BLAS may block a 3-row product differently from a 12-row one.
        var (max, _) = Diff.Abs(last3, full.narrow(1, full.shape[1] - 3, 3));
        Assert.True(max <= g.Tol.Logits, $"{stem}: logits_to_keep=3 differs from the last 3 rows of the full logits by {max:E3}");
        Assert.Null(g.Model.Forward(ids, logitsToKeep: null).Logits);
    }

    [Theory]
    [MemberData(nameof(Stems))]
    public void Every_traced_intermediate_of_every_traced_case_matches_the_golden_point_within_its_tolerance(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var noGrad = torch.no_grad();
        var traced = g.CaseNames.Where(n => g.Case(n).GetProperty("tensors").TryGetProperty("trace", out _)).ToList();
        Assert.NotEmpty(traced);
        foreach (var name in traced)
        {
            using var scope = torch.NewDisposeScope();
            var prefix = $"{name}.trace.";
            var golden = g.ArrayNames.Where(a => a.StartsWith(prefix, StringComparison.Ordinal)).Select(a => a[prefix.Length..]).Order(StringComparer.Ordinal).ToList();
            var (ids, mask, pos) = GoldenQwen3.Inputs(g.Case(name));
            var seen = new Dictionary<string, Tensor>();
            g.Model.Forward(ids, mask, pos, trace: (point, t) => seen[point] = t.to(ScalarType.Float64).MoveToOuterDisposeScope());
            Assert.Equal(golden, seen.Keys.Order(StringComparer.Ordinal));                 // the model traces exactly the golden file's points
            foreach (var point in golden)
            {
                var (max, _) = Diff.Abs(seen[point], g.Array(prefix + point));
                var tol = g.Tol.TracePoint(point);
                TestContext.Current.TestOutputHelper?.WriteLine($"{stem} {name} {point}: max {max:E2} (tolerance {tol:E1})");
                Assert.True(max <= tol, $"{stem} {name}: trace {point} max |diff| {max:E3} > {tol:E1}");
            }
        }
    }

    [Fact]
    public void Every_checkpoint_folder_under_golden_is_the_checkpoint_of_an_expected_file()
    {
        var checkpoints = Stems().Select(r => GoldenQwen3.Get(r.Data).CheckpointFolder).Select(Path.GetFullPath).ToHashSet();
        Assert.All(GoldenQwen3.CheckpointFolders(), f => Assert.Contains(Path.GetFullPath(f), checkpoints));
    }

    [Theory]
    [MemberData(nameof(Stems))]
    public void Rope_tables_match(string stem)
    {
        var g = GoldenQwen3.Get(stem);
        using var scope = torch.NewDisposeScope();
        var rotary = g.Model.Model.Rotary;
        var expectedInv = g.Array("rope.inv_freq");
        var inv = rotary.InvFreqFor(g.ComputeDtype).to(ScalarType.Float64);
        var rel = ((inv - expectedInv).abs() / expectedInv.abs()).max().item<double>();
        Assert.True(rel <= g.Tol.InvFreqRelative, $"{stem}: inv_freq relative diff {rel:E3} > {g.Tol.InvFreqRelative:E1}");

        var expectedCos = g.Array("rope.cos");
        var positions = torch.arange(0, expectedCos.shape[0], dtype: ScalarType.Int64).unsqueeze(0);
        // Computed in float32 (float64 for float64 compute), then cast to the compute dtype, as the golden file stores them.
        var (cos, sin) = rotary.Forward(positions, g.ComputeDtype);
        var (cmax, _) = Diff.Abs(cos[0], expectedCos);
        var (smax, _) = Diff.Abs(sin[0], g.Array("rope.sin"));
        Assert.True(cmax <= g.Tol.RopeTable && smax <= g.Tol.RopeTable, $"{stem}: rope cos {cmax:E3}, sin {smax:E3} > {g.Tol.RopeTable:E1}");
    }
}
