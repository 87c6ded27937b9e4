using System.Collections.Concurrent;
using Reproduction.Training;
using Spectre.Console;
using Spectre.Console.Rendering;
using SpectreText = Spectre.Console.Text;

namespace Reproduction.Cli;

/// <summary>
/// How a long verb shows its progress. On an interactive terminal (stderr not redirected, neither `--quiet` nor `--json`):
/// a live display on stderr, one row per running job ("seed 2 · RL-then-SFT · grpo 34/60", a bar, the stage's time
/// left), a header with the jobs done and the time left, and the verb's log lines above it. Otherwise today's plain
/// lines and no control codes: on stdout, on stderr with `--json` (stdout then holds only the JSON), nowhere with
/// `--quiet`. Rows come from <see cref="TrainingProgress"/>, which the trainers report their steps to.
/// </summary>
public sealed class ProgressDisplay
{
    private readonly bool _quiet, _json;
    private readonly IAnsiConsole? _live;
    private readonly ConcurrentQueue<string> _pending = new();
    private volatile bool _running;

    private ProgressDisplay(bool quiet, bool json, IAnsiConsole? live) => (_quiet, _json, _live) = (quiet, json, live);

    /// <summary>The display for a verb's `--quiet` and `--json`: live only when neither is set and stderr is a terminal.</summary>
    public static ProgressDisplay For(bool quiet = false, bool json = false) =>
        new(quiet, json, quiet || json ? null : InteractiveStderr());

    /// <summary>A live display on <paramref name="console"/> (a test's console).</summary>
    internal static ProgressDisplay Live(IAnsiConsole console) => new(false, false, console);

    /// <summary>Whether the display is live (else it writes plain lines).</summary>
    public bool IsLive => _live is not null;

    /// <summary>A log line: above the live display, or a plain line where the options send it.</summary>
    public void Log(string line)
    {
        if (_quiet) return;
        if (_live is not null && _running) _pending.Enqueue(line);
        else if (_live is not null) _live.MarkupLine(Markup.Escape(line));
        else if (_json) Console.Error.WriteLine(line);
        else Console.Out.WriteLine(line);
    }

    /// <summary>Runs <paramref name="work"/> with a progress board installed, under the live display when there is one.</summary>
    public T Run<T>(Func<T> work)
    {
        var board = new TrainingProgress();
        using var installed = TrainingProgress.Use(board);
        if (_live is null) return work();
        T result = default!;
        _running = true;
        try
        {
            _live.Live(Render(board.Snapshot())).AutoClear(true).Overflow(VerticalOverflow.Ellipsis).Start(ctx =>
            {
                // The work runs on the pool; this thread alone writes to the console (the log lines, then the rows).
                var task = Task.Run(work);
                var ended = task.ContinueWith(_ => { }, TaskScheduler.Default);      // completes, never throws: the work's exception surfaces below
                while (!ended.Wait(TimeSpan.FromMilliseconds(250)))
                {
                    Flush();
                    ctx.UpdateTarget(Render(board.Snapshot()));
                }
                Flush();
                ctx.UpdateTarget(SpectreText.Empty);
                result = task.GetAwaiter().GetResult();
            });
        }
        finally { _running = false; }
        Flush();
        return result;
    }

    public void Run(Action work) => Run(() => { work(); return 0; });

    /// <summary><see cref="Run{T}"/> as one job named <paramref name="label"/> (a single-stage verb: sft, grpo).</summary>
    public T RunJob<T>(string label, Func<T> work) => Run(() =>
    {
        using var job = TrainingProgress.Enter(label);
        return work();
    });

    /// <summary>
    /// Without a live display, a plain line at each quarter of <paramref name="total"/> steps (<paramref name="done"/>
    /// crossing 25, 50, 75 and 100%), so a log shows a single-stage verb moving; with one, nothing (the row shows it).
    /// </summary>
    public void Milestone(string line, long done, long total)
    {
        if (_live is null && total > 0 && done * 4 / total > (done - 1) * 4 / total) Log($"{line} ({done * 100 / total}%)");
    }

    private void Flush()
    {
        while (_pending.TryDequeue(out var line)) _live!.MarkupLine(Markup.Escape(line));
    }

    private const int BarWidth = 24;

    /// <summary>The header and one row per running job (the finished ones are counted in the header).</summary>
    internal static IRenderable Render(ProgressSnapshot s)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap()).AddColumn(new GridColumn().NoWrap());
        string header = $"{s.Finished}/{s.Expected} {s.What} done · {Clock(s.Elapsed)} elapsed" + (s.Left is { } left ? $" · about {Clock(left)} left" : "");
        grid.AddRow(new Markup($"[bold]{Markup.Escape(header)}[/]"), SpectreText.Empty, SpectreText.Empty, SpectreText.Empty);
        foreach (var r in s.Rows.Where(r => !r.Finished))
        {
            string what = r.Stage is null ? r.Label : $"{r.Label} · {r.Stage} {r.Done}/{r.Total}";
            double fraction = r.Total > 0 ? Math.Clamp((double)r.Done / r.Total, 0, 1) : 0;
            int filled = (int)Math.Round(fraction * BarWidth);
            grid.AddRow(
                new Markup(Markup.Escape(what) + (r.Note is null ? "" : $" [grey]{Markup.Escape(r.Note)}[/]")),
                new Markup($"[green]{new string('━', filled)}[/][grey]{new string('━', BarWidth - filled)}[/]"),
                new SpectreText($"{(int)Math.Round(fraction * 100),3}%"),
                new SpectreText(r.StageLeft is { } l ? $"{Clock(l)} left" : "--:-- left"));
        }
        return grid;
    }

    /// <summary>mm:ss, or h:mm:ss from an hour on.</summary>
    internal static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t:mm\\:ss}" : $"{t:mm\\:ss}";

    /// <summary>A console on stderr when stderr is a terminal that takes control codes; else null.</summary>
    private static IAnsiConsole? InteractiveStderr()
    {
        if (Console.IsErrorRedirected || Environment.GetEnvironmentVariable("TERM") is "dumb") return null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Profile.Capabilities.Interactive && console.Profile.Capabilities.Ansi ? console : null;
    }
}
