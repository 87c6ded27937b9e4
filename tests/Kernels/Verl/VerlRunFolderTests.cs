using System.Text.Json;
using Parquet.Serialization;
using Repro.Tests.Data;
using Repro.Tests.IO;
using Reproduction;
using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;
using Reproduction.IO;
using Snapshooter.Xunit3;

namespace Repro.Tests.Verl;

/// <summary>
/// `repro export verl`: the folder holds the preset's splits as parquet in verl's exact layouts (read back with
/// Parquet.Net), the reward module and case table, scripts that pass `bash -n`, and a manifest whose sha256 match.
/// </summary>
public sealed class VerlRunFolderTests : IDisposable
{
    private readonly TempFolder _tmp = new();
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _tmp.Dispose();

    private static readonly Lazy<StudyPreset> Smoke = new(() => StudyPreset.Load("tiny-smoke"));

    private VerlExportResult Export(string name = "run") => VerlRunFolder.Export(Smoke.Value, _tmp.File(name));

    [Fact]
    public void The_folder_holds_data_reward_module_scripts_readme_preset_and_manifest()
    {
        var result = Export();
        string[] expected =
        [
            "README.md", "common.sh", "data/rl-test.parquet", "data/rl-train.parquet", "data/sft-test.parquet", "data/sft-train.parquet",
            "eval_checkpoints.sh", "preset.json", "reward/cola_reward.py", "reward/reward-cases.json", "rl_then_sft.sh", "run_grpo.sh", "run_sft.sh", "sft_then_rl.sh",
        ];
        Assert.Equal(expected, result.Files.Select(f => f.Path));
        var onDisk = Directory.EnumerateFiles(result.Folder, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(result.Folder, f)).Order(StringComparer.Ordinal);
        Assert.Equal(expected.Append(VerlRunFolder.ManifestFile).Order(StringComparer.Ordinal), onDisk);
        Assert.Equal(VerlRewardModule.PythonSource, File.ReadAllText(Path.Combine(result.Folder, "reward", "cola_reward.py")));
        Assert.Equal("tiny-smoke", StudyPreset.Load(Path.Combine(result.Folder, "preset.json")).Name);
        Assert.Equal((Smoke.Value.Data.TrainSize, Smoke.Value.Data.TestSize), (result.TrainRows, result.TestRows));
    }

    [Fact]
    public async Task Parquet_files_read_back_with_verls_exact_schemas_and_the_presets_rows()
    {
        var result = Export();
        var (train, test) = TaskSetup.LoadData(Smoke.Value.Data);
        foreach (var (path, format, split) in VerlRunFolder.DataFiles)
        {
            var (schema, rows) = await ParquetSchema.ReadAsync(Path.Combine(result.Folder, path), Ct);
            Assert.Equal(format == VerlExportFormat.SftParquet ? ParquetSchema.Sft : ParquetSchema.Rl, schema);
            Assert.Equal((split == "train" ? train : test).Count, rows);
        }
        var sft = (await ParquetSerializer.DeserializeAsync<SftRow>(Path.Combine(result.Folder, "data", "sft-test.parquet"), cancellationToken: Ct)).Data;
        Assert.Equal(test.Select(e => ColaTaskFormatter.ColaRl.SftPrompt(e.Sentence)), sft.Select(r => r.Instruction));
        Assert.Equal(test.Select(e => ColaTaskFormatter.ColaRl.SftTarget(e.Label)), sft.Select(r => r.Output));
    }

    private sealed class SftRow
    {
        [System.Text.Json.Serialization.JsonPropertyName("instruction")] public string? Instruction { get; set; }
        [System.Text.Json.Serialization.JsonPropertyName("output")] public string? Output { get; set; }
    }

    [Fact]
    public void Every_script_passes_bash_syntax_check_and_is_executable()
    {
        var bash = ExternalTool.Require("bash");
        var result = Export();
        foreach (var script in VerlScripts.All)
        {
            var path = Path.Combine(result.Folder, script);
            var (code, _, stderr) = ExternalTool.Run(bash, result.Folder, "-n", path);
            Assert.True(code == 0, $"{script}: {stderr}");
            Assert.StartsWith("#!/usr/bin/env bash\n", File.ReadAllText(path));
            Assert.Contains("set -euo pipefail", File.ReadAllText(path));
            if (!OperatingSystem.IsWindows()) Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute), $"{script} is not executable");
        }
    }

    [Fact]
    public void The_manifest_has_the_preset_options_mapping_and_the_sha256_of_every_file()
    {
        var result = Export();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(result.Folder, VerlRunFolder.ManifestFile)));
        var root = doc.RootElement;
        Assert.Equal(VerlRunFolder.Format, root.GetProperty("format").GetString());
        Assert.Equal("tiny-smoke", root.GetProperty("preset").GetString());
        Assert.Equal(Smoke.Value.Grpo.NumGenerations, root.GetProperty("grpo").GetProperty("num_generations").GetInt32());
        Assert.Equal(VerlConfigMapping.Grpo.Count + VerlConfigMapping.Sft.Count, root.GetProperty("mapping").GetArrayLength());
        Assert.Contains("algorithm.adv_estimator=grpo", root.GetProperty("overrides").GetProperty("grpo").EnumerateArray().Select(e => e.GetString()));
        var files = root.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(result.Files.Count, files.Count);
        foreach (var f in files)
        {
            var path = Path.Combine(result.Folder, f.GetProperty("path").GetString()!);
            Assert.Equal(Sha256Sums.Of(path), f.GetProperty("sha256").GetString());
            Assert.Equal(new FileInfo(path).Length, f.GetProperty("size").GetInt64());
        }
    }

    [Fact]
    public void An_existing_folder_is_refused_unless_overwrite_is_given()
    {
        Export();
        var e = Assert.Throws<ReproException>(() => Export());
        Assert.Contains("already exists", e.Message);
        VerlRunFolder.Export(Smoke.Value, _tmp.File("run"), overwrite: true);
    }

    [Fact]
    public void The_grpo_script_of_the_paper_preset_matches_the_snapshot()
    {
        Snapshot.Match(VerlScripts.Generate(StudyPreset.Load("qwen3-0.6b"))[VerlScripts.Grpo]);
    }

    [Fact]
    public void The_sft_script_of_the_paper_preset_matches_the_snapshot()
    {
        Snapshot.Match(VerlScripts.Generate(StudyPreset.Load("qwen3-0.6b"))[VerlScripts.Sft]);
    }
}
