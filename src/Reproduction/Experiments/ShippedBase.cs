using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.IO;
using Reproduction.Qwen3;

namespace Reproduction.Experiments;

/// <summary>
/// The base models the repository ships (bases/PRESET/seed-N: an HF folder with config.json, model.safetensors,
/// generation_config.json, vocab_subset.json, the recipe it came from as recipe.json, and SHA256SUMS), so a study does
/// not spend its budget pre-training. `repro pretrain` rebuilds one bit for bit on the same CPU. A study uses the shipped
/// base of a seed when its recipe equals the preset's and every hash matches (else a clear error naming the file), and
/// runs the recipe itself for a seed with no shipped base.
/// </summary>
public static class ShippedBase
{
    public const string RecipeFile = "recipe.json", SumsFile = "SHA256SUMS";

    /// <summary>The folder the program ships bases in (copied to the build output from the repository's bases/).</summary>
    public static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "bases");

    public static string FolderFor(string root, string preset, int seed) => Path.Combine(root, preset, $"seed-{seed}");

    /// <summary>
    /// What makes a base: the preset's model section, its data section (less eval_prompts and ce_examples, which only
    /// select what is evaluated), its base recipe and the seed. Two equal recipes give the same base on one CPU, whatever the preset's name.
    /// </summary>
    public static JsonObject Recipe(StudyPreset preset, int seed)
    {
        var all = JsonNode.Parse(preset.ToJson())!.AsObject();
        var data = all["data"]!.DeepClone().AsObject();
        data.Remove("eval_prompts");                                               // these two only select what is evaluated
        data.Remove("ce_examples");
        return new JsonObject { ["seed"] = seed, ["model"] = all["model"]!.DeepClone(), ["data"] = data, ["base"] = all["base"]!.DeepClone() };
    }

    /// <summary>Writes the recipe and the hashes of every file of a saved base folder.</summary>
    public static void Seal(string folder, StudyPreset preset, int seed)
    {
        AtomicFile.WriteAllText(Path.Combine(folder, RecipeFile), Recipe(preset, seed).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        var lines = Directory.EnumerateFiles(folder).Select(Path.GetFileName).Where(f => f != SumsFile).Order(StringComparer.Ordinal)
            .Select(f => $"{Sha256Sums.Of(Path.Combine(folder, f!))}  {f}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, SumsFile), string.Concat(lines));
    }

    /// <summary>
    /// The shipped base of <paramref name="seed"/> whose recipe is the preset's (looked up in every ROOT/*/seed-N, so a
    /// preset that shares tiny's recipe, such as tiny-smoke, uses tiny's bases), its hashes verified; null when none is
    /// shipped for that seed and recipe (then <paramref name="why"/> says so).
    /// </summary>
    public static string? Find(StudyPreset preset, int seed, out string why, string? root = null)
    {
        root ??= ShippedDirectory;
        var recipe = Recipe(preset, seed);
        var candidates = Directory.Exists(root)
            ? Directory.EnumerateDirectories(root).Select(d => Path.Combine(d, $"seed-{seed}")).Where(Directory.Exists)
                .OrderBy(d => Path.GetFileName(Path.GetDirectoryName(d)) == preset.Name ? 0 : 1).ThenBy(d => d, StringComparer.Ordinal).ToList()
            : [];
        foreach (var folder in candidates)
        {
            var recipePath = Path.Combine(folder, RecipeFile);
            var sums = Sha256Sums.Load(Path.Combine(folder, SumsFile));
            sums.Verify(RecipeFile);
            JsonNode? shipped;
            try { shipped = JsonNode.Parse(File.ReadAllText(recipePath)); }
            catch (JsonException e) { throw ReproException.ForFile(recipePath, $"invalid recipe: {e.Message}"); }
            if (!JsonNode.DeepEquals(shipped, recipe)) continue;
            foreach (var f in new[] { "config.json", "generation_config.json", "model.safetensors" }) sums.Verify(f);
            if (File.Exists(Path.Combine(folder, Text.VocabularySubset.FileName))) sums.Verify(Text.VocabularySubset.FileName);
            why = "";
            return folder;
        }
        why = candidates.Count == 0 ? $"no shipped base for seed {seed}" : $"no shipped base for seed {seed} was made by the recipe preset '{preset.Name}' has now";
        return null;
    }

    /// <summary>Loads a verified base folder and checks that its vocabulary subset is the study's.</summary>
    public static Qwen3ForCausalLM Load(string folder, ColaTaskEncoder encoder, TorchSharp.torch.ScalarType dtype)
    {
        var subset = Text.VocabularySubset.LoadFrom(folder);
        if (!Equals(subset?.QwenIds.Count, encoder.Subset?.QwenIds.Count) || (subset is not null && !subset.QwenIds.SequenceEqual(encoder.Subset!.QwenIds)))
            throw ReproException.ForFile(Path.Combine(folder, Text.VocabularySubset.FileName), "vocabulary subset differs from the one this preset builds");
        return Qwen3ForCausalLM.FromPretrained(folder, dtype, TorchSharp.torch.CPU);
    }
}
