using Reproduction.Cli;
using Reproduction.Experiments;
using Reproduction.Gating;
using Reproduction.Reporting;

namespace Repro.Tests.Study;

/// <summary>
/// The gate fails where the science breaks: a short study whose GRPO cannot learn (learning rate 1e-12: GRPO refuses 0) or whose SFT
/// does nothing (learning rate 0, the stage skipped in effect) fails `repro gate` with a line naming the missing
/// effect, and its report says it is not a reproduction.
/// </summary>
public sealed class BrokenPipelineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-broken-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private (RunReport Report, string Dir) Run(string name, Func<StudyPreset, StudyPreset> breakIt)
    {
        var dir = Path.Combine(_dir, name);
        return (new StudyRunner(breakIt(StudyPreset.Load("tiny-smoke")), dir, [1], _ => { }).Run(), dir);
    }

    [Fact]
    public void A_study_whose_GRPO_learning_rate_is_zero_fails_the_gate_naming_the_missing_RL_gain()
    {
        var (report, dir) = Run("grpo-lr0", p => p with { Grpo = p.Grpo with { LearningRate = 1e-12 } });
        var failed = Gate.Evaluate(report, null).Where(c => !c.Pass).ToList();
        Assert.Contains(failed, c => c.Check == "effect grpo-raises-reward" && c.Actual.Contains("GRPO did not raise the reward"));
        Assert.DoesNotContain(failed, c => c.Check == "effect sft-lowers-ce");
        Assert.Contains("Not a reproduction: GRPO did not raise the reward", File.ReadAllText(Path.Combine(dir, ReportMarkdown.FileName)));
        Assert.Equal(1, ReproCli.Run(["gate", "--run", dir]));
    }

    [Fact]
    public void A_study_whose_SFT_is_skipped_fails_the_gate_naming_the_missing_SFT_effect()
    {
        var (report, dir) = Run("sft-lr0", p => p with { Sft = p.Sft with { LearningRate = 0 } });
        var failed = Gate.Evaluate(report, null).Where(c => !c.Pass).ToList();
        Assert.Contains(failed, c => c.Check == "effect sft-lowers-ce" && c.Actual.Contains("SFT did not lower its loss"));
        Assert.Contains("Not a reproduction: SFT did not lower its loss", File.ReadAllText(Path.Combine(dir, ReportMarkdown.FileName)));
        Assert.Equal(1, ReproCli.Run(["gate", "--run", dir]));
    }
}
