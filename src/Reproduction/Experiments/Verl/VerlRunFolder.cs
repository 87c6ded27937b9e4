using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Data;
using Reproduction.IO;

namespace Reproduction.Experiments.Verl;

/// <summary>What <see cref="VerlRunFolder.Export"/> wrote.</summary>
public sealed record VerlExportResult(string Folder, IReadOnlyList<FolderManifest.Entry> Files, int TrainRows, int TestRows, IReadOnlyList<string> Unsupported);

/// <summary>
/// `repro export verl`: a complete, self-describing verl run folder for a preset:
/// <code>
/// data/{sft,rl}-{train,test}.parquet   the preset's splits in verl's layouts (<see cref="VerlExport"/>)
/// reward/cola_reward.py                our strict / strict-fixed / robust / label-only rewards for verl (<see cref="VerlRewardModule"/>)
/// reward/reward-cases.json             the shared case table (python3 reward/cola_reward.py --check reward/reward-cases.json)
/// common.sh run_sft.sh run_grpo.sh eval_checkpoints.sh sft_then_rl.sh rl_then_sft.sh   (<see cref="VerlScripts"/>)
/// preset.json                          the preset, as repro reads it (for repro eval and repro import)
/// README.md                            how to run it and bring it back
/// repro-export.json                    preset, options, the verl mapping and overrides, what verl cannot express, sha256 of every file
/// </code>
/// The folder is filled under a temporary name and renamed into place.
/// </summary>
public static class VerlRunFolder
{
    public const string ManifestFile = "repro-export.json", Format = "repro-verl-export-v1", PresetFile = "preset.json", ReadmeFile = "README.md";

    /// <summary>The data files: relative path, layout, split.</summary>
    public static IReadOnlyList<(string Path, VerlExportFormat Format, string Split)> DataFiles { get; } =
    [
        ("data/sft-train.parquet", VerlExportFormat.SftParquet, "train"),
        ("data/sft-test.parquet", VerlExportFormat.SftParquet, "test"),
        ("data/rl-train.parquet", VerlExportFormat.RlParquet, "train"),
        ("data/rl-test.parquet", VerlExportFormat.RlParquet, "test"),
    ];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <param name="preset">The preset to export.</param>
    /// <param name="outDir">The folder to create.</param>
    /// <param name="overwrite">Replace an existing folder.</param>
    /// <param name="data">A data source other than the preset's (cola, synthetic or a CoLA folder), as `repro data export --data`.</param>
    public static VerlExportResult Export(StudyPreset preset, string outDir, bool overwrite = false, string? data = null)
    {
        var (train, test) = TaskSetup.LoadData(preset.Data, data);
        var grpo = preset.Grpo;
        var unsupported = VerlConfigMapping.Unsupported(grpo, VerlScripts.SftOptionsOf(preset));
        var scripts = VerlScripts.Generate(preset);
        IReadOnlyList<FolderManifest.Entry> files = [];
        var full = Path.GetFullPath(outDir);
        AtomicFile.WriteFolder(full, tmp =>
        {
            foreach (var (path, format, split) in DataFiles)
                VerlExport.WriteAsync(split == "train" ? train : test, split, format, Path.Combine(tmp, path)).GetAwaiter().GetResult();
            Directory.CreateDirectory(Path.Combine(tmp, "reward"));
            File.WriteAllText(Path.Combine(tmp, "reward", VerlRewardModule.ModuleFile), VerlRewardModule.PythonSource);
            File.WriteAllText(Path.Combine(tmp, "reward", VerlRewardModule.CasesFile), VerlRewardModule.CaseTableJson);
            foreach (var (name, text) in scripts)
            {
                var path = Path.Combine(tmp, name);
                File.WriteAllText(path, text);
                if (!OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
                                               UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
            File.WriteAllText(Path.Combine(tmp, PresetFile), preset.ToJson());
            File.WriteAllText(Path.Combine(tmp, ReadmeFile), Readme(preset, train.Count, test.Count, unsupported));
            files = Directory.EnumerateFiles(tmp, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(tmp, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal)
                .Select(rel => new FolderManifest.Entry(rel, new FileInfo(Path.Combine(tmp, rel)).Length, Sha256Sums.Of(Path.Combine(tmp, rel))))
                .ToList();
            File.WriteAllText(Path.Combine(tmp, ManifestFile), Manifest(preset, train.Count, test.Count, unsupported, files).ToJsonString(Indented) + "\n");
        }, overwrite);
        return new VerlExportResult(full, files, train.Count, test.Count, unsupported);
    }

    private static JsonObject Manifest(StudyPreset preset, int trainRows, int testRows, IReadOnlyList<string> unsupported, IReadOnlyList<FolderManifest.Entry> files)
    {
        var (grpo, sft) = (preset.Grpo, VerlScripts.SftOptionsOf(preset));
        var stage = new VerlRlStage(preset.RlStage.MaxSteps, preset.Eval);
        static JsonNode Row(string options, string field, string verl, string trl, string difference) => new JsonObject
        {
            ["options"] = options, ["field"] = field, ["verl"] = verl, ["trl"] = trl, ["difference"] = difference,
        };
        var mapping = new JsonArray(
        [
            .. VerlConfigMapping.Grpo.Select(m => Row("grpo", m.Field, m.VerlKey, m.TrlName, m.Difference)),
            .. VerlConfigMapping.Sft.Select(m => Row("sft", m.Field, m.VerlKey, m.TrlName, m.Difference)),
        ]);
        JsonArray Strings(IEnumerable<string> s) => new(s.Select(x => (JsonNode)x).ToArray());
        return new JsonObject
        {
            ["format"] = Format,
            ["preset"] = preset.Name,
            ["data"] = new JsonObject { ["kind"] = preset.Data.Kind, ["train_rows"] = trainRows, ["test_rows"] = testRows },
            ["sft"] = JsonNode.Parse(sft.ToJson()),
            ["grpo"] = JsonNode.Parse(grpo.ToJson()),
            ["rl_stage"] = JsonSerializer.SerializeToNode(preset.RlStage),
            ["eval"] = JsonSerializer.SerializeToNode(preset.Eval),
            ["mapping"] = mapping,
            ["overrides"] = new JsonObject
            {
                ["sft"] = Strings(VerlConfigMapping.SftOverrides(sft).Select(o => o.ToString())),
                ["grpo"] = Strings(VerlConfigMapping.GrpoOverrides(grpo, stage).Select(o => o.ToString())),
            },
            ["unsupported"] = Strings(unsupported),
            ["files"] = JsonSerializer.SerializeToNode(files),
        };
    }

    private static string Readme(StudyPreset preset, int trainRows, int testRows, IReadOnlyList<string> unsupported)
    {
        var md = new StringBuilder();
        md.AppendLine($"# verl run folder: preset `{preset.Name}`").AppendLine();
        md.AppendLine($"Written by `repro export verl --preset {preset.Name}`. {preset.Description}").AppendLine();
        md.AppendLine("## Contents").AppendLine();
        md.AppendLine($"- `data/`: SFT (`instruction`/`output`) and RL (`data_source`, `prompt`, `ability`, `reward_model`, `extra_info`) parquet, {trainRows:N0} train / {testRows:N0} test rows.");
        md.AppendLine("- `reward/cola_reward.py`: the strict (default, the paper's), strict-fixed, robust and label-only rewards, identical to repro's; `python3 reward/cola_reward.py --check reward/reward-cases.json` checks it against the shared case table.");
        md.AppendLine("- `run_sft.sh`, `run_grpo.sh`: one stage each; `sft_then_rl.sh`, `rl_then_sft.sh`: the paper's two pipelines; `eval_checkpoints.sh`: the metrics verl does not log (via `repro eval`); `common.sh`: the settings.");
        md.AppendLine("- `repro-export.json`: the preset's options, each field's verl key, the exact overrides, and the sha256 of every file.").AppendLine();
        md.AppendLine("## Running").AppendLine();
        md.AppendLine("Settings are environment variables: `NNODES`, `N_GPUS_PER_NODE`, `MODEL_PATH`, `OUT`, `ROLLOUT_ENGINE` (vllm/sglang), `ROLLOUT_TP`, " +
                      "`GPU_MEMORY_UTILIZATION`, `TRAIN_REWARD` (strict, strict_fixed, robust, label_only), `SEED`, `TOTAL_TRAINING_STEPS`, `TOTAL_EPOCHS`, `SAVE_FREQ`, `TEST_FREQ`, " +
                      "`MICRO_BATCH_SIZE_PER_GPU`, `SFT_SAVE_FREQ` (rl_then_sft.sh), `SKIP_EVAL=1`, `REPRO` (the repro CLI that eval_checkpoints.sh runs; on GPUs build it with -p:TorchBackend=cuda). " +
                      "Extra arguments are passed to verl as Hydra overrides, for keys the scripts do not set.").AppendLine();
        md.AppendLine("```bash");
        md.AppendLine("# one node, 8 GPUs");
        md.AppendLine("N_GPUS_PER_NODE=8 OUT=/scratch/run bash sft_then_rl.sh");
        md.AppendLine("N_GPUS_PER_NODE=8 OUT=/scratch/run bash rl_then_sft.sh");
        md.AppendLine("# several nodes: `ray start --head` on node 0 and `ray start --address=HEAD:6379` on the others for GRPO;");
        md.AppendLine("# the SFT stage is torchrun: run the script on every node with NODE_RANK, MASTER_ADDR, MASTER_PORT set.");
        md.AppendLine("NNODES=2 N_GPUS_PER_NODE=8 OUT=/shared/run bash run_grpo.sh");
        md.AppendLine("```").AppendLine();
        md.AppendLine("Each pipeline prints the `repro import verl` command that brings its logs back; then `repro report` and `repro gate` work on it as on a local run.").AppendLine();
        md.AppendLine("## What verl cannot express for this preset").AppendLine();
        if (unsupported.Count == 0) md.AppendLine("Nothing beyond the documented differences (repro's docs/options.md, \"`GrpoOptions` ↔ TRL ↔ verl\").");
        else foreach (var u in unsupported) md.AppendLine($"- {u}");
        return md.ToString();
    }
}
