using Reproduction;
using Reproduction.Cli;
using Reproduction.Training;
using Spectre.Console;

namespace Repro.Tests.Cli;

/// <summary>The live display's rows (rendered from a board with a set clock) and its handling of the work it runs.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ProgressDisplayTests
{
    private static (IAnsiConsole Console, StringWriter Text) Console(bool ansi)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text), Ansi = ansi ? AnsiSupport.Yes : AnsiSupport.No,
            Interactive = ansi ? InteractionSupport.Yes : InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors,
        });
        console.Profile.Width = 160;
        return (console, text);
    }

    [Fact]
    public void A_row_shows_seed_pipeline_stage_steps_bar_and_the_stage_time_left()
    {
        var now = TimeSpan.Zero;
        var board = new TrainingProgress(() => now);
        board.Expect(2, "pipelines");
        var job = board.Begin("seed 2 · RL-then-SFT");
        board.Report(job, "grpo", 4, 60, null);
        now = TimeSpan.FromSeconds(60);
        board.Report(job, "grpo", 34, 60, "reward 0.512");          // 30 steps in 60 s: 2 s per step, 26 left → 52 s
        var (console, text) = Console(ansi: false);
        console.Write(ProgressDisplay.Render(board.Snapshot()));
        var output = text.ToString();
        Assert.Contains("0/2 pipelines done · 01:00 elapsed", output);
        Assert.Contains("seed 2 · RL-then-SFT · grpo 34/60 reward 0.512", output);
        Assert.Contains("57%", output);                              // 34/60
        Assert.Contains("00:52 left", output);
    }

    [Fact]
    public void The_live_display_writes_the_log_lines_and_returns_the_work_result_or_its_own_exception()
    {
        var (console, text) = Console(ansi: true);
        var display = ProgressDisplay.Live(console);
        Assert.True(display.IsLive);
        int result = display.Run(() =>
        {
            using var job = TrainingProgress.Enter("seed 1");
            TrainingProgress.Step("sft", 1, 2);
            display.Log("seed 1: SFT done");
            return 42;
        });
        Assert.Equal(42, result);
        Assert.Single(text.ToString().Split('\n'), l => l.Contains("seed 1: SFT done"));
        // A ReproException from the work reaches the verb as itself (exit code 2), not wrapped by the display's task.
        Assert.Throws<ReproException>(() => display.Run<int>(() => throw new ReproException("bad input")));
    }

    [Fact]
    public void Without_a_live_display_a_single_stage_verb_logs_a_line_at_each_quarter_and_json_sends_them_to_stderr()
    {
        using var capture = new ConsoleCapture();
        var display = ProgressDisplay.For(json: true);
        for (int step = 1; step <= 8; step++) display.Milestone($"SFT step {step}", step, 8);
        // quarters of 8 steps: steps 2, 4, 6 and 8
        Assert.Equal(["SFT step 2 (25%)", "SFT step 4 (50%)", "SFT step 6 (75%)", "SFT step 8 (100%)"],
            capture.Error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')));
        Assert.Equal("", capture.Out.ToString());
    }
}
