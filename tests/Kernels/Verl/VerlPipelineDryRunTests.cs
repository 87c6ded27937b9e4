using Repro.Tests.IO;
using Reproduction.Experiments;
using Reproduction.Experiments.Verl;
using Reproduction.Gating;

namespace Repro.Tests.Verl;

/// <summary>
/// The exported pipeline scripts run for real, with verl's programs replaced by stand-ins on PATH (torchrun, verl's
/// main_ppo and model merger behind a python3 wrapper, repro eval) that record their arguments, write checkpoint
/// folders the way verl lays them out and log in verl's file-logger format. What the scripts chain (stage 1 → latest
/// checkpoint → Hugging Face folder → stage 2 → the evaluations verl does not log) is then imported and gated.
/// </summary>
public sealed class VerlPipelineDryRunTests : IDisposable
{
    private readonly TempFolder _tmp = new();
    public void Dispose() => _tmp.Dispose();

    // fsdp_sft_trainer: HF weights saved directly in global_step_N; val/loss logged at 2 and at the last step, 4.
    private const string FakeTorchrun = """
        #!/usr/bin/env bash
        set -euo pipefail
        echo "$*" >> "$FAKE_LOG/torchrun.args"
        for a in "$@"; do case "$a" in trainer.default_local_dir=*) dir="${a#*=}" ;; esac; done
        mkdir -p "$dir/global_step_2" "$dir/global_step_4"
        for s in 2 4; do echo '{}' > "$dir/global_step_$s/config.json"; : > "$dir/global_step_$s/model.safetensors"; done
        printf '{"step": 2, "data": {"val/loss": 0.9}}\n{"step": 4, "data": {"train/loss": 0.5, "val/loss": 0.4}}\n' >> "$VERL_FILE_LOGGER_PATH"
        echo "step:4 - train/loss:0.5 - val/loss:0.4"
        """;

    // main_ppo: FSDP actor shards in global_step_6/actor; validation before training (0) and at the end (6).
    // verl.model_merger: an HF folder at --target_dir. Anything else goes to the real python3.
    private const string FakePython = """
        #!/usr/bin/env bash
        set -euo pipefail
        if [ "${1:-}" = -m ] && [ "${2:-}" = verl.trainer.main_ppo ]; then
          echo "$*" >> "$FAKE_LOG/main_ppo.args"
          for a in "$@"; do case "$a" in trainer.default_local_dir=*) dir="${a#*=}" ;; esac; done
          mkdir -p "$dir/global_step_6/actor/huggingface"
          echo '{}' > "$dir/global_step_6/actor/huggingface/config.json"
          echo shard > "$dir/global_step_6/actor/model_world_size_1_rank_0.pt"
          printf '{"step": 0, "data": {"val-core/cola/reward/mean@1": -0.5, "val-aux/cola/robust/mean@1": 0.1}}\n{"step": 6, "data": {"val-core/cola/reward/mean@1": 0.6, "val-aux/cola/robust/mean@1": 0.7}}\n' >> "$VERL_FILE_LOGGER_PATH"
          exit 0
        fi
        if [ "${1:-}" = -m ] && [ "${2:-}" = verl.model_merger ]; then
          echo "$*" >> "$FAKE_LOG/merger.args"
          while [ $# -gt 0 ]; do if [ "$1" = --target_dir ]; then target="$2"; fi; shift; done
          mkdir -p "$target"; echo '{}' > "$target/config.json"; : > "$target/model.safetensors"
          exit 0
        fi
        exec "$REAL_PYTHON" "$@"
        """;

    // repro eval: eval.json with the CE (base 2.0, SFT steps 2 and 4: 0.9 and 0.4, a merged GRPO checkpoint 1.5) or the rewards (0.3 robust after SFT).
    private const string FakeRepro = """
        #!/usr/bin/env bash
        set -euo pipefail
        echo "$*" >> "$FAKE_LOG/repro.args"
        while [ $# -gt 0 ]; do case "$1" in --out) out="$2" ;; --metric) metric="$2" ;; --model) model="$2" ;; esac; shift; done
        mkdir -p "$out"
        if [ "$metric" = ce ]; then
          case "$model" in                              # the SFT checkpoints, a merged GRPO checkpoint, the base model
            */sft/checkpoints/global_step_4) ce=0.4 ;; */sft/checkpoints/*) ce=0.9 ;; */eval/hf-*) ce=1.5 ;; *) ce=2.0 ;;
          esac
          echo "{\"sft_ce\": {\"mean_token_nll\": $ce, \"tokens\": 10}}" > "$out/eval.json"
        else
          echo '{"rewards": {"rewards": [{"reward": "robust_cola", "mean": 0.3}, {"reward": "strict_cola", "mean": -0.4}]}}' > "$out/eval.json"
        fi
        """;

    private (string Export, string Out, string Log, Dictionary<string, string?> Env) Prepare()
    {
        ExternalTool.Require("bash");
        var python = ExternalTool.Require("python3");
        var export = VerlRunFolder.Export(StudyPreset.Load("tiny-smoke"), _tmp.File("export")).Folder;
        var stubs = Directory.CreateDirectory(_tmp.File("stubs")).FullName;
        foreach (var (name, text) in new[] { ("torchrun", FakeTorchrun), ("python3", FakePython), ("repro", FakeRepro) })
        {
            var path = Path.Combine(stubs, name);
            File.WriteAllText(path, text + "\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var log = Directory.CreateDirectory(_tmp.File("calls")).FullName;
        var baseModel = Directory.CreateDirectory(_tmp.File("base-model")).FullName;
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = stubs + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["REAL_PYTHON"] = python, ["FAKE_LOG"] = log, ["OUT"] = _tmp.File("out"), ["MODEL_PATH"] = baseModel,
            ["NNODES"] = "2", ["N_GPUS_PER_NODE"] = "4",
        };
        return (export, _tmp.File("out"), log, env);
    }

    private static (int Code, string Out, string Error) RunScript(string export, string script, Dictionary<string, string?> env) =>
        ExternalTool.Run(ExternalTool.Find("bash")!, export, env, Path.Combine(export, script));

    [Fact]
    public void Sft_then_rl_chains_sft_the_sft_checkpoint_grpo_and_the_ce_evaluations_and_its_logs_import_and_gate()
    {
        var (export, outDir, log, env) = Prepare();
        var (code, stdout, stderr) = RunScript(export, VerlScripts.SftThenRl, env);
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("repro import verl", stdout);
        Assert.Contains($"--log sft-then-rl/sft={outDir}/sft-then-rl/sft/ce-eval.jsonl", stdout);

        var torchrun = File.ReadAllText(Path.Combine(log, "torchrun.args"));
        Assert.Contains("--nnodes=2 --nproc_per_node=4", torchrun);
        Assert.Contains("-m verl.trainer.fsdp_sft_trainer", torchrun);
        Assert.Contains($"model.partial_pretrain={env["MODEL_PATH"]}", torchrun);
        var ppo = File.ReadAllText(Path.Combine(log, "main_ppo.args"));
        Assert.Contains("algorithm.adv_estimator=grpo", ppo);
        Assert.Contains("trainer.nnodes=2 trainer.n_gpus_per_node=4", ppo);
        Assert.Contains($"custom_reward_function.path={export}/reward/cola_reward.py custom_reward_function.name=compute_score", ppo);
        Assert.Contains($"actor_rollout_ref.model.path={outDir}/sft-then-rl/sft/checkpoints/global_step_4 ", ppo);   // the latest SFT step, as saved
        Assert.Contains("actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu=8 ", ppo);                               // 8 prompts x 8 / (1 x 2 x 4)

        var p = Path.Combine(outDir, "sft-then-rl");
        var logs = new List<VerlLogSource>
        {
            new("sft-then-rl", "sft", Path.Combine(p, "sft", "base-eval.jsonl")),
            new("sft-then-rl", "sft", Path.Combine(p, "sft", "ce-eval.jsonl")),
            new("sft-then-rl", "grpo", Path.Combine(p, "grpo", "metrics.jsonl")),
            new("sft-then-rl", "grpo", Path.Combine(p, "grpo", "ce-eval.jsonl")),
        };
        var report = VerlLogImporter.Import(StudyPreset.Load("tiny-smoke"), logs, new VerlImportOptions()).Report;
        var ce = Assert.Single(report.Pipeline("sft-then-rl").CurvesOf(StudyRunner.CeMetric));
        Assert.Equal([(0, 2.0), (2, 0.9), (4, 0.4), (10, 1.5)], ce.Points.Select(x => (x.Step, x.Value)));
        Assert.All(Gate.Evaluate(report, null), c => Assert.True(c.Pass, c.Actual));
    }

    [Fact]
    public void Rl_then_sft_merges_the_fsdp_actor_then_sft_then_evaluates_every_sft_checkpoint_and_its_logs_import_and_gate()
    {
        var (export, outDir, log, env) = Prepare();
        var (code, stdout, stderr) = RunScript(export, VerlScripts.RlThenSft, env);
        Assert.True(code == 0, stderr + stdout);

        var p = Path.Combine(outDir, "rl-then-sft");
        var merger = File.ReadAllText(Path.Combine(log, "merger.args"));
        Assert.Contains($"--backend fsdp --local_dir {p}/grpo/checkpoints/global_step_6/actor --target_dir {p}/grpo/hf", merger);
        var torchrun = File.ReadAllText(Path.Combine(log, "torchrun.args"));
        Assert.Contains($"model.partial_pretrain={p}/grpo/hf ", torchrun);
        int evalSteps = StudyPreset.Load("tiny-smoke").Sft.EvalSteps;
        Assert.Contains($"trainer.save_freq={evalSteps}", torchrun);                                                               // every eval_steps, to evaluate each
        Assert.Equal(2, File.ReadAllLines(Path.Combine(log, "repro.args")).Length);                                    // global_step_2 and global_step_4

        var logs = new List<VerlLogSource>
        {
            new("rl-then-sft", "grpo", Path.Combine(p, "grpo", "metrics.jsonl")),
            new("rl-then-sft", "sft", Path.Combine(p, "sft", "metrics.jsonl")),
            new("rl-then-sft", "sft", Path.Combine(p, "sft", "reward-eval.jsonl")),
        };
        var result = VerlLogImporter.Import(StudyPreset.Load("tiny-smoke"), logs, new VerlImportOptions());
        var robust = Assert.Single(result.Report.Pipeline("rl-then-sft").CurvesOf(StudyRunner.RobustMetric));
        Assert.Equal([(0, 0.1), (6, 0.7), (8, 0.3), (10, 0.3)], robust.Points.Select(x => (x.Step, x.Value)));
        Assert.Contains(result.Warnings, w => w.Contains(StudyRunner.CeMetric, StringComparison.Ordinal));   // SFT's val/loss has no base point here
        Assert.All(Gate.Evaluate(result.Report, null), c => Assert.True(c.Pass, c.Actual));
    }
}
