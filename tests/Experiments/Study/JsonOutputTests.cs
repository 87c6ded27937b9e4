using System.Text.Json.Nodes;
using Reproduction.Cli;
using Repro.Tests.Cli;

namespace Repro.Tests.Study;

/// <summary>
/// `--json` on the long verbs: stdout is one JSON object a script can read (the progress lines go to stderr), and
/// `--quiet` silences the progress lines.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class JsonOutputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-json-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Frontier_schedules_json_prints_only_frontier_json_with_the_run_folder_and_progress_goes_to_stderr()
    {
        var run = Path.Combine(_dir, "run");
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--schedules", "rl-only", "--seeds", "1", "--json", "--out", run]));
        var document = JsonNode.Parse(console.Out.ToString())!;                       // the whole of stdout is one JSON object
        Assert.Equal(run, (string)document["run"]!);
        Assert.Equal(["base", "rl-only"], document["schedules"]!.AsArray().Select(s => (string)s!["schedule"]!));
        Assert.Contains("jobs done", console.Error.ToString());
    }

    [Fact]
    public void Study_json_prints_the_stage_effects_and_couplings_and_quiet_leaves_stderr_empty()
    {
        var run = Path.Combine(_dir, "study");
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["study", "--preset", "tiny-smoke", "--seeds", "1", "--json", "--quiet", "--out", run]));
        var document = JsonNode.Parse(console.Out.ToString())!;
        Assert.Equal(run, (string)document["run"]!);
        Assert.True(File.Exists((string)document["report"]!));
        Assert.Equal(Reproduction.Reporting.PaperClaim.All.Count, document["couplings"]!.AsArray().Count);
        Assert.All(document["stage_effects"]!.AsArray(), e => Assert.NotNull(e!["change"]!["mean"]));
        Assert.Equal("", console.Error.ToString());
    }

    [Fact]
    public void Quiet_and_json_are_refused_without_schedules()
    {
        using var console = new ConsoleCapture();
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--json", "--out", Path.Combine(_dir, "run")]));
        Assert.Contains("--json", console.Error.ToString());
    }
}
