using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.Experiments;
using Reproduction.IO;
using Repro.Tests.Cli;

namespace Repro.Tests.Study;

/// <summary>
/// `--json` on the long verbs: stdout is one JSON object a script can read (the progress lines go to stderr), and
/// `--quiet` silences the progress lines (and, for ablate, pretrain and eval, leaves only the final line).
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
    public void Ablate_json_prints_the_run_folder_its_files_and_the_variant_table_of_ablation_json()
    {
        var run = Path.Combine(_dir, "ablate");
        using var console = new ConsoleCapture();
        Assert.Equal(0, ReproCli.Run(["ablate", "--kind", "beta", "--betas", "0", "--preset", "tiny-smoke", "--seeds", "1", "--no-bridge", "--json", "--out", run]));
        var document = JsonNode.Parse(console.Out.ToString())!;                       // the whole of stdout is one JSON object
        Assert.Equal(run, (string)document["run"]!);
        var files = document["files"]!.AsArray().Select(f => (string)f!).ToList();
        Assert.Equal(Directory.GetFiles(run).Order(StringComparer.Ordinal), files);
        Assert.Contains(Path.Combine(run, AblationRunner.JsonFile), files);
        var written = JsonNode.Parse(File.ReadAllText(Path.Combine(run, AblationRunner.JsonFile)))!;
        Assert.True(JsonNode.DeepEquals(written["variants"], document["variants"]));
        Assert.Equal(["beta=0"], document["variants"]!.AsArray().Select(v => (string)v!["variant"]!));
        Assert.Contains("1/1 pipelines done", console.Error.ToString());
    }

    [Fact]
    public void Pretrain_json_prints_each_base_with_its_folder_hashes_and_recipe_and_quiet_prints_only_the_final_line()
    {
        var preset = BaseModelTests.SmallRecipePreset(_dir);
        var root = Path.Combine(_dir, "bases");
        using (var console = new ConsoleCapture())
        {
            Assert.Equal(0, ReproCli.Run(["pretrain", "--preset", preset, "--seeds", "5,6", "--json", "--out", root]));
            var document = JsonNode.Parse(console.Out.ToString())!;
            var bases = document["bases"]!.AsArray();
            Assert.Equal([5, 6], bases.Select(b => (int)b!["seed"]!));
            foreach (var b in bases)
            {
                var folder = (string)b!["folder"]!;
                Assert.Equal(ShippedBase.FolderFor(root, "small-recipe", (int)b["seed"]!), folder);
                var sha = b["sha256"]!.AsObject();
                Assert.Equal(Directory.GetFiles(folder).Select(Path.GetFileName).Where(f => f != ShippedBase.SumsFile).Order(StringComparer.Ordinal), sha.Select(kv => kv.Key));
                Assert.All(sha, kv => Assert.Equal(Sha256Sums.Of(Path.Combine(folder, kv.Key)), (string)kv.Value!));
                Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(folder, ShippedBase.RecipeFile))), b["recipe"]));
            }
            Assert.Contains("2/2 bases done", console.Error.ToString());
        }
        using (var console = new ConsoleCapture())
        {
            Assert.Equal(0, ReproCli.Run(["pretrain", "--preset", preset, "--seeds", "5", "--quiet", "--out", Path.Combine(_dir, "quiet")]));
            Assert.Equal($"wrote {ShippedBase.FolderFor(Path.Combine(_dir, "quiet"), "small-recipe", 5)}", console.Out.ToString().TrimEnd());
            Assert.Equal("", console.Error.ToString());
        }
    }

    [Fact]
    public void Eval_json_prints_eval_json_with_its_folder_and_files_and_quiet_prints_only_the_final_line()
    {
        var dir = Path.Combine(_dir, "eval");
        using (var console = new ConsoleCapture())
        {
            Assert.Equal(0, ReproCli.Run(["eval", "--preset", "tiny-smoke", "--limit", "4", "--json", "--out", dir]));
            var document = JsonNode.Parse(console.Out.ToString())!.AsObject();
            Assert.Equal(dir, (string)document["out"]!);
            Assert.Equal(Directory.GetFiles(dir).Order(StringComparer.Ordinal), document["files"]!.AsArray().Select(f => (string)f!));
            document.Remove("out");
            document.Remove("files");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "eval.json"))), document));
            Assert.Equal(4, (int)document["prompts"]!);
        }
        using (var console = new ConsoleCapture())
        {
            var quiet = Path.Combine(_dir, "eval-quiet");
            Assert.Equal(0, ReproCli.Run(["eval", "--preset", "tiny-smoke", "--limit", "4", "--metric", "ce", "--quiet", "--out", quiet]));
            Assert.Equal($"wrote {Path.Combine(quiet, "eval.json")}", console.Out.ToString().TrimEnd());
            Assert.Equal("", console.Error.ToString());
        }
    }

    [Fact]
    public void Quiet_and_json_are_refused_without_schedules()
    {
        using var console = new ConsoleCapture();
        Assert.Equal(2, ReproCli.Run(["frontier", "--preset", "tiny-smoke", "--json", "--out", Path.Combine(_dir, "run")]));
        Assert.Contains("--json", console.Error.ToString());
    }
}
