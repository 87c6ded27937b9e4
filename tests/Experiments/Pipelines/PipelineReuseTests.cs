using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Experiments;
using Reproduction.Experiments.Pipelines;
using Reproduction.Experiments.Schedules;
using Reproduction.Reporting;

namespace Repro.Tests.Pipelines;

/// <summary>
/// The engine's shared-prefix reuse on a cut-down tiny-smoke (8 SFT steps, 4 GRPO steps, 12 evaluation prompts, one seed):
/// `ablate --kind reward` trains its one SFT stage once and both variants continue from it; a second run with the same
/// cache reuses every stage and reports exactly the same numbers and logs; a damaged entry is rebuilt (the log says so)
/// with the same numbers again; `frontier --schedules` reuses its schedule stage from the cache.
/// </summary>
public sealed class PipelineReuseTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-reuse-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private static StudyPreset Small()
    {
        var p = StudyPreset.Load("tiny-smoke");
        return p with
        {
            Sft = p.Sft with { MaxSteps = 8, EvalSteps = 4 }, Grpo = p.Grpo with { EvalSteps = 2 }, RlStage = p.RlStage with { MaxSteps = 4 },
            Data = p.Data with { EvalPrompts = 12 },
        };
    }

    private string Cache => Path.Combine(_dir, "cache");

    private (RunReport Report, List<string> Log, string Dir) Ablate(string name, string? cache)
    {
        var log = new List<string>();
        var dir = Path.Combine(_dir, name);
        var report = new AblationRunner(Small(), "reward", AblationRunner.Variants("reward"), dir, [1], null, line => { lock (log) log.Add(line); }) { CacheDir = cache }.Run();
        return (report, log, dir);
    }

    private static string Numbers(RunReport r) => JsonSerializer.Serialize(r.Pipelines);

    private static string Metrics(string dir) =>
        string.Join("\n", Directory.GetFiles(Path.Combine(dir, "metrics")).Order().Select(f => Path.GetFileName(f) + ":" + File.ReadAllText(f)));

    [Fact]
    public void Ablation_variants_share_one_SFT_stage_and_a_rerun_reuses_every_stage_with_identical_numbers_and_logs_even_after_damage()
    {
        var first = Ablate("first", Cache);
        Assert.Single(first.Log, l => l.Contains(": sft done ("));                                    // trained once for both variants
        Assert.Contains(first.Log, l => l.Contains("seed 1: label-only: reused stage sft (key ") && l.EndsWith(") from this run"));
        Assert.Equal(first.Report.Pipeline("strict").CurvesOf(StudyRunner.CeMetric)[0].Points.Take(3),
            first.Report.Pipeline("label-only").CurvesOf(StudyRunner.CeMetric)[0].Points.Take(3));

        var second = Ablate("second", Cache);
        Assert.DoesNotContain(second.Log, l => l.Contains(" done ("));                                 // nothing trained
        Assert.Contains(second.Log, l => l.Contains("seed 1: strict: reused stage sft (key ") && l.Contains(") from cache "));
        Assert.Contains(second.Log, l => l.Contains("seed 1: label-only: reused stage grpo (key ") && l.Contains(") from cache "));
        Assert.Equal(Numbers(first.Report), Numbers(second.Report));
        Assert.Equal(Metrics(first.Dir), Metrics(second.Dir));                                       // the reused stages' logs, written again

        // Damage the SFT entry's weights: the third run says so, trains SFT again, and ends with the same numbers.
        var sftEntry = Directory.GetDirectories(Cache).Single(d => PrefixState.Parse(File.ReadAllText(Path.Combine(d, StageCache.StateFile))).Stages.Count == 1);
        var weights = Path.Combine(sftEntry, StageCache.ModelFolder, "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(weights, bytes);
        var third = Ablate("third", Cache);
        Assert.Contains(third.Log, l => l.Contains($"(key {StageCache.Short(Path.GetFileName(sftEntry))}) is damaged and will be rebuilt, not used"));
        Assert.Single(third.Log, l => l.Contains(": sft done ("));
        Assert.Equal(Numbers(first.Report), Numbers(third.Report));
        Assert.NotNull(new StageCache(Cache, _ => { }).TryLoad(Path.GetFileName(sftEntry), "sft"));      // rebuilt whole
    }

    [Fact]
    public void A_study_rerun_reuses_all_four_stages_from_the_cache_and_reports_the_same_numbers()
    {
        (RunReport Report, List<string> Log) Study(string name)
        {
            var log = new List<string>();
            var report = new StudyRunner(Small(), Path.Combine(_dir, name), [1], line => { lock (log) log.Add(line); }) { CacheDir = Cache, Parallelism = 1 }.Run();
            return (report, log);
        }
        var first = Study("s1");
        Assert.Equal(4, first.Log.Count(l => l.Contains(" done (") && l.Contains(" steps)")));           // sft, grpo; grpo, sft
        var second = Study("s2");
        Assert.DoesNotContain(second.Log, l => l.Contains(" done (") && l.Contains(" steps)"));
        foreach (var (pipeline, stage) in new[] { ("sft-then-rl", "sft"), ("sft-then-rl", "grpo"), ("rl-then-sft", "grpo"), ("rl-then-sft", "sft") })
            Assert.Contains(second.Log, l => l.Contains($"seed 1: {pipeline}: reused stage {stage} (key ") && l.Contains(") from cache "));
        Assert.Equal(Numbers(first.Report), Numbers(second.Report));
        Assert.Equal(first.Report.Mechanisms!.ToJsonString(), second.Report.Mechanisms!.ToJsonString());  // the diagnoses of the reused models
        Assert.Equal(Metrics(Path.Combine(_dir, "s1")), Metrics(Path.Combine(_dir, "s2")));
    }

    [Fact]
    public void A_schedule_frontier_rerun_reuses_its_schedule_stage_from_the_cache_with_identical_measures()
    {
        List<ScheduleRun> Run(string name, List<string> log) => [.. new ScheduleFrontierRunner(Small(), ScheduleCatalog.ParseList("joint"), Path.Combine(_dir, name), [1],
            line => { lock (log) log.Add(line); }) { CacheDir = Cache, Parallelism = 1 }.Run()];
        List<string> log1 = [], log2 = [];
        var first = Run("f1", log1);
        var second = Run("f2", log2);
        Assert.Contains(log1, l => l.Contains("seed 1: joint: joint done ("));
        Assert.Contains(log2, l => l.Contains("seed 1: joint: reused stage joint (key ") && l.Contains(") from cache "));
        Assert.DoesNotContain(log2, l => l.Contains(" done ("));
        static string Measures(IEnumerable<ScheduleRun> runs) => JsonSerializer.Serialize(runs.Select(r => r with { WallSeconds = 0 }));
        Assert.Equal(Measures(first), Measures(second));
    }
}
