using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.IO;
using Repro.Tests.Cli;

namespace Repro.Tests.Study;

/// <summary>
/// A base recipe's extension rounds (<see cref="Reproduction.Experiments.BaseExtension"/>) on the small test recipe: a base
/// whose probe AUC is below the bar gets rounds until the cap, and the log says so; a base that meets the bar gets none,
/// and its weights are exactly those of the same recipe without an extension.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class BaseExtensionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-base-ext-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private (string Weights, string Log) Build(string name, double? bar)
    {
        var path = BaseModelTests.SmallRecipePreset(Path.Combine(_dir));
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        if (bar is { } b)
            json["base"]!["extension"] = JsonNode.Parse($$"""
                { "until_probe_auc": {{b}}, "probe_size": 60, "max_rounds": 2,
                  "phases": [ { "name": "skill", "steps": 2, "learning_rate": 0.001, "batch_size": 8, "label_accuracy": 1.0 } ] }
                """);
        var preset = Path.Combine(_dir, $"{name}.json");
        File.WriteAllText(preset, json.ToJsonString());
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["pretrain", "--preset", preset, "--seeds", "5", "--out", Path.Combine(_dir, name)]));
        return (Sha256Sums.Of(Path.Combine(_dir, name, "small-recipe", "seed-5", "model.safetensors")), console.Out.ToString());
    }

    [Fact]
    public void A_base_below_the_probe_bar_gets_rounds_up_to_the_cap_and_one_above_it_keeps_the_weights_of_its_phases()
    {
        var plain = Build("plain", null);
        Assert.DoesNotContain("probe label AUC", plain.Log);

        var below = Build("below", 1.0);
        Assert.Contains("seed 5: base probe label AUC", below.Log);
        Assert.Contains("extension round 1 of at most 2", below.Log);
        Assert.Contains("extension round 2 of at most 2", below.Log);
        Assert.Contains("not met after 2 rounds", below.Log);
        Assert.Contains("seed 5: base extension 2 skill done (2 steps", below.Log);
        Assert.NotEqual(plain.Weights, below.Weights);

        var met = Build("met", 0.0001);
        Assert.Contains("bar 0.000: met", met.Log);
        Assert.DoesNotContain("extension round", met.Log);
        Assert.Equal(plain.Weights, met.Weights);
    }
}
