using Reproduction.Cli;
using Reproduction.Experiments.Verl;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Gating;

/// <summary>
/// The scale-out round trip through the CLI: `repro export verl` writes the run folder; logs in verl's formats come
/// back through `repro import verl`; `repro report`, `repro baseline record` and `repro gate` then treat the imported
/// run as a local one. Bad input is exit code 2.
/// </summary>
public sealed class VerlVerbTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-verl-verbs-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private string P(string name) => Path.Combine(_dir, name);

    private string Log(string name, params string[] lines)
    {
        File.WriteAllLines(P(name), lines);
        return P(name);
    }

    private string[] ImportArgs(string export, string outDir, double ceAfterRl) =>
    [
        "import", "verl", "--preset", Path.Combine(export, VerlRunFolder.PresetFile), "--out", outDir,
        "--log", "sft-then-rl/sft=" + Log("a-sft.jsonl", """{"step": 0, "data": {"val/loss": 2.0}}""", """{"step": 12, "data": {"train/loss": 0.3, "val/loss": 0.35}}"""),
        "--log", "sft-then-rl/grpo=" + Log("a-grpo.log", "step:0 - val-core/cola/reward/mean@1:-0.2", "step:15 - actor/pg_loss:0.01 - val-core/cola/reward/mean@1:0.6"),
        "--log", "sft-then-rl/grpo=" + Log("a-ce.jsonl", """{"step": 15, "data": {"val/loss": """ + ceAfterRl.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + "}}"),
        "--log", "rl-then-sft/grpo=" + Log("b-grpo.jsonl",
            """{"step": 0, "data": {"val-core/cola/reward/mean@1": -0.5, "val-aux/cola/robust/mean@1": 0.2}}""",
            """{"step": 15, "data": {"val-core/cola/reward/mean@1": 0.7, "val-aux/cola/robust/mean@1": 0.8}}"""),
        "--log", "rl-then-sft/sft=" + Log("b-sft.jsonl", """{"step": 12, "data": {"val/loss": 0.3}}"""),
        "--log", "rl-then-sft/sft=" + Log("b-reward.jsonl", """{"step": 12, "data": {"val-aux/cola/robust/mean@1": 0.4, "val-aux/cola/strict/mean@1": -1.0}}"""),
    ];

    [Fact]
    public void Export_then_import_then_report_baseline_and_gate_work_as_on_a_local_run()
    {
        var export = P("export");
        Assert.Equal(0, ReproCli.Run(["export", "verl", "--preset", "tiny-smoke", "--out", export]));
        Assert.True(File.Exists(Path.Combine(export, VerlScripts.SftThenRl)));

        var run = P("run");
        Assert.Equal(0, ReproCli.Run(ImportArgs(export, run, ceAfterRl: 1.4)));
        var report = RunReport.Load(run);
        Assert.Equal([new Stage("sft", 12), new Stage("grpo", 15)], report.Pipeline("sft-then-rl").Stages);

        Assert.Equal(0, ReproCli.Run(["report", "--run", run]));
        Assert.True(File.Exists(Path.Combine(run, ReportMarkdown.FileName)));
        Assert.True(File.Exists(Path.Combine(run, Figure3.FileA)));
        var baseline = P("baseline.json");
        Assert.Equal(0, ReproCli.Run(["baseline", "record", "--run", run, "--out", baseline]));
        Assert.Equal(0, ReproCli.Run(["gate", "--run", run, "--baseline", baseline]));

        var worse = P("worse");
        Assert.Equal(0, ReproCli.Run(ImportArgs(export, worse, ceAfterRl: 0.1)));
        Assert.Equal(1, ReproCli.Run(["gate", "--run", worse, "--baseline", baseline]));
        Assert.Contains(Gate.Evaluate(RunReport.Load(worse), Baseline.Load(baseline)), c => !c.Pass && c.Check.StartsWith("direction", StringComparison.Ordinal));
    }

    [Fact]
    public void Bad_input_to_export_and_import_is_exit_code_2()
    {
        Assert.Equal(2, ReproCli.Run(["export", "verl", "--preset", "no-such-preset", "--out", P("x")]));
        Assert.Equal(2, ReproCli.Run(["import", "verl", "--preset", "tiny-smoke", "--out", P("y"), "--log", "sft-then-rl=missing.jsonl"]));
        Assert.Equal(2, ReproCli.Run(["import", "verl", "--preset", "tiny-smoke", "--out", P("y"), "--log", "sft-then-rl/sft=" + P("missing.jsonl")]));
        Assert.False(Directory.Exists(P("y")));
    }
}
