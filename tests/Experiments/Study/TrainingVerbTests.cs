using Reproduction.Experiments;
using Reproduction.Cli;
using Reproduction.Training;

namespace Repro.Tests.Study;

/// <summary>`repro sft`, `repro grpo` and `repro eval` on the tiny-smoke preset: each writes what it promises.</summary>
public sealed class TrainingVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-verbs-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Sft_then_grpo_then_eval_chain_through_their_output_folders()
    {
        var sft = Path.Combine(_dir, "sft");
        Assert.Equal(0, ReproCli.Run(["sft", "--preset", "tiny-smoke", "--data", "synthetic", "--out", sft, "--max-steps", "4"]));
        Assert.NotNull(TrainerCheckpoint.Latest(sft));
        Assert.True(File.Exists(Path.Combine(sft, "final", "vocab_subset.json")));
        Assert.Equal(4, new MetricsLog(Path.Combine(sft, "metrics.jsonl")).Read().Max(r => r["step"]!.GetValue<long>()));

        var grpo = Path.Combine(_dir, "grpo");
        Assert.Equal(0, ReproCli.Run(["grpo", "--preset", "tiny-smoke", "--model", Path.Combine(sft, "final"), "--out", grpo, "--max-steps", "2",
            "--options", Path.Combine(SharedData.RepoRoot, "tests", "Experiments", "Study", "grpo-smoke.json")]));
        var steps = new MetricsLog(Path.Combine(grpo, "metrics.jsonl")).Read();
        Assert.Equal(2, steps.Count);
        Assert.True(steps.All(s => s.ContainsKey("rewards/strict_cola/mean")));

        var eval = Path.Combine(_dir, "eval");
        Assert.Equal(0, ReproCli.Run(["eval", "--preset", "tiny-smoke", "--model", Path.Combine(grpo, "final"), "--limit", "6", "--out", eval, "--max-new-tokens", "16"]));
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(eval, "eval.json")))!;
        Assert.Equal(6, json["prompts"]!.GetValue<int>());
        Assert.Equal(6, File.ReadAllLines(Path.Combine(eval, "completions.jsonl")).Length);
        // The first reward's mean@1 is the robust reward of the completions written, scored again here.
        var first = json["rewards"]!["rewards"]![0]!;
        var rescored = File.ReadAllLines(Path.Combine(eval, "completions.jsonl")).Select(l => System.Text.Json.Nodes.JsonNode.Parse(l)!)
            .Select(c => new Reproduction.Rewards.RobustColaReward().Score(c["text"]!.GetValue<string>(), c["label"]!.GetValue<string>()));
        Assert.Equal(new Reproduction.Rewards.RobustColaReward().Name, first["reward"]!.GetValue<string>());
        Assert.Equal(rescored.Average(), first["mean"]!.GetValue<double>(), 12);
    }

    [Fact]
    public void A_malformed_data_row_stops_a_verb_naming_file_and_line_unless_lenient()
    {
        var shipped = Path.Combine(AppContext.BaseDirectory, "assets", "cola", "raw");
        var raw = Directory.CreateDirectory(Path.Combine(_dir, "release", "raw")).FullName;
        foreach (var f in new[] { "in_domain_train.tsv", "in_domain_dev.tsv" })
            File.WriteAllLines(Path.Combine(raw, f), File.ReadLines(Path.Combine(shipped, f)).Take(40));
        File.AppendAllText(Path.Combine(raw, "in_domain_dev.tsv"), "gj04\t7\t\tA label that is not 0 or 1.\n");
        string[] args = ["eval", "--preset", "tiny-smoke", "--data", Path.Combine(_dir, "release"), "--metric", "ce", "--limit", "3", "--out", Path.Combine(_dir, "e")];

        Assert.Equal(2, ReproCli.Run(args));
        // The same load through the library names the file and the line (the CLI prints exactly this message).
        var e = Assert.Throws<Reproduction.ReproException>(() => TaskSetup.LoadData(new DataSpec(), Path.Combine(_dir, "release")));
        Assert.Contains("in_domain_dev.tsv", e.Message);
        Assert.Contains("line 41", e.Message);

        // --lenient skips (and reports) the row instead; the tiny preset's shipped base has no vocabulary for real CoLA
        // sentences, so the lenient load is checked where it happens.
        var warnings = new List<string>();
        var (train, test) = TaskSetup.LoadData(new DataSpec(), Path.Combine(_dir, "release"), lenient: true, warn: warnings.Add);
        Assert.Equal(40, test.Count);
        Assert.Contains(warnings, w => w.Contains("in_domain_dev.tsv"));
    }

    [Fact]
    public void Verbs_refuse_bad_input_with_exit_code_2()
    {
        Assert.Equal(2, ReproCli.Run(["sft", "--model", Path.Combine(_dir, "missing"), "--out", Path.Combine(_dir, "x")]));
        Assert.Equal(2, ReproCli.Run(["sft", "--preset", "no-such-preset", "--out", Path.Combine(_dir, "x")]));
        Assert.Equal(2, ReproCli.Run(["eval", "--preset", "tiny-smoke", "--metric", "bleu"]));
        Assert.Equal(2, ReproCli.Run(["grpo", "--out", Path.Combine(_dir, "x")]));
        Assert.Equal(2, ReproCli.Run(["sft", "--preset", "tiny-smoke", "--dtype", "float16", "--out", Path.Combine(_dir, "x")]));
        Assert.Equal(2, ReproCli.Run(["grpo", "--preset", "tiny-smoke", "--dtype", "bf61", "--out", Path.Combine(_dir, "x")]));
    }

    [Fact]
    public void The_grpo_verb_accepts_every_option_it_reads()
    {
        Assert.Empty(ReproCli.Build().Parse(["grpo", "--preset", "tiny-smoke", "--out", "x", "--skip-nonfinite", "--dtype", "float64"]).Errors);
    }

    [Fact]
    public void The_dtype_flag_overrides_the_presets_and_the_sft_options_follow_it()
    {
        var sft = Path.Combine(_dir, "sft-bf16");
        Assert.Equal(0, ReproCli.Run(["sft", "--preset", "tiny-smoke", "--data", "synthetic", "--dtype", "bf16", "--out", sft, "--max-steps", "1"]));
        Assert.All(Reproduction.IO.SafetensorsReader.Open(Path.Combine(sft, "final")).Entries.Values, e => Assert.Equal("BF16", e.Dtype));
        Assert.Contains("\"dtype\": \"bfloat16\"", File.ReadAllText(Path.Combine(sft, "sft_options.json")));
    }
}
