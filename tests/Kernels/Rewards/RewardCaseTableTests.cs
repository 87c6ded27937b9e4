using System.Text.Json;
using Repro.Tests.IO;
using Repro.Tests.Verl;
using Reproduction.Experiments.Verl;
using Reproduction.Rewards;

namespace Repro.Tests.Rewards;

/// <summary>
/// The shared reward case table (assets/verl/reward-cases.json, shipped in every verl export): the C# rewards give the
/// recorded score on every case, and so does the exported Python module run by python3, so the reward verl trains with
/// is ours (strict with its greedy-regex hack, fixed strict, robust, label-only; whitespace, case, several labels,
/// think nesting, .NET's word boundaries).
/// </summary>
public sealed class RewardCaseTableTests
{
    private static readonly IReadOnlyList<RewardCase> Cases = VerlRewardModule.Cases;

    private static readonly (string Name, IReward Reward, Func<RewardCase, double> Expected)[] Rewards =
    [
        ("strict", new StrictColaReward(), c => c.Strict),
        ("strict_fixed", new StrictColaRewardFixed(), c => c.StrictFixed),
        ("robust", new RobustColaReward(), c => c.Robust),
        ("label_only", new LabelOnlyReward(), c => c.LabelOnly),
    ];

    [Fact]
    public void The_table_covers_the_hack_both_labels_and_every_reward_disagreeing_somewhere()
    {
        Assert.True(Cases.Count >= 30, $"only {Cases.Count} cases");
        Assert.Equal(Cases.Count, Cases.Select(c => c.Name).Distinct().Count());
        Assert.Contains(Cases, c => c.Label == "unacceptable");
        Assert.Contains(Cases, c => c.Strict == 1 && c.StrictFixed == -1);          // the greedy-regex hack
        foreach (var (name, _, expected) in Rewards)
            Assert.True(Cases.Select(expected).Distinct().Count() == 2, $"{name}: every case scores the same");
    }

    [Fact]
    public void Every_case_scores_as_recorded_under_the_csharp_rewards()
    {
        var wrong = Cases.SelectMany(c => Rewards
                .Where(r => r.Reward.Score(c.Completion, c.Label) != r.Expected(c))
                .Select(r => $"{c.Name}: {r.Name} = {r.Reward.Score(c.Completion, c.Label)}, recorded {r.Expected(c)}"))
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void The_exported_python_module_scores_every_case_exactly_as_the_csharp_rewards()
    {
        var python = ExternalTool.Require("python3");
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(VerlRewardModule.ModuleFile), VerlRewardModule.PythonSource);
        File.WriteAllText(dir.File(VerlRewardModule.CasesFile), VerlRewardModule.CaseTableJson);

        var (code, stdout, stderr) = ExternalTool.Run(python, dir.Path, VerlRewardModule.ModuleFile, "--cases", VerlRewardModule.CasesFile);
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(Cases.Select(c => c.Name), rows.Select(r => r.GetProperty("name").GetString()));
        var wrong = new List<string>();
        foreach (var (c, row) in Cases.Zip(rows))
            foreach (var (name, reward, _) in Rewards)
            {
                double py = row.GetProperty(name).GetDouble(), cs = reward.Score(c.Completion, c.Label);
                if (py != cs) wrong.Add($"{c.Name}: {name}: python {py}, C# {cs}");
            }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));

        var (checkCode, checkOut, _) = ExternalTool.Run(python, dir.Path, VerlRewardModule.ModuleFile, "--check", VerlRewardModule.CasesFile);
        Assert.True(checkCode == 0, checkOut);
        Assert.Contains($"{Cases.Count} cases, 0 mismatches", checkOut);
    }

    [Fact]
    public void The_verl_entry_points_return_the_training_score_and_every_reward_and_refuse_an_unknown_label()
    {
        var python = ExternalTool.Require("python3");
        using var dir = new TempFolder();
        File.WriteAllText(dir.File(VerlRewardModule.ModuleFile), VerlRewardModule.PythonSource);
        const string Script = """
            import json, cola_reward as m
            hack = "<think>\n\n</think>\n\n</think>\n\nacceptable"
            out = {name: getattr(m, fn)("cola", hack, "acceptable", extra_info={"split": "test", "index": 0}) for name, fn in json.loads(input()).items()}
            try:
                m.compute_score("cola", hack, "Acceptable")
                out["bad_label"] = "accepted"
            except ValueError as e:
                out["bad_label"] = str(e)
            print(json.dumps(out))
            """;
        File.WriteAllText(dir.File("probe.py"), Script.Replace("input()", $"'{JsonSerializer.Serialize(VerlRewardModule.EntryPoints)}'"));
        var (code, stdout, stderr) = ExternalTool.Run(python, dir.Path, "probe.py");
        Assert.True(code == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var all = new Dictionary<string, double> { ["strict"] = 1, ["strict_fixed"] = -1, ["robust"] = 1, ["label_only"] = -1 };
        foreach (var (name, _) in VerlRewardModule.EntryPoints)
        {
            var result = doc.RootElement.GetProperty(name);
            Assert.Equal(all[name], result.GetProperty("score").GetDouble());
            foreach (var (reward, value) in all) Assert.Equal(value, result.GetProperty(reward).GetDouble());
        }
        Assert.Contains("CoLA label must be", doc.RootElement.GetProperty("bad_label").GetString());
    }
}
