using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Evaluation;
using Reproduction.Experiments;
using Reproduction.IO;
using Reproduction.Rewards;
using Reproduction.Sampling;
using Spectre.Console;

namespace Reproduction.Cli;

/// <summary>
/// `repro eval`: both of the paper's metrics on any checkpoint: mean@n per reward definition (with accuracy =
/// (mean + 1)/2 for ±1 rewards, a bootstrap 95% CI, greedy accuracy and the format-error rate) and the SFT
/// cross-entropy on the split. Writes eval.json and completions.jsonl (every completion with its rewards).
/// </summary>
public static class EvalCommand
{
    /// <summary>A number for eval.json, or null where it is undefined (an AUC with one class only).</summary>
    private static JsonNode? Finite(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    public static Command Create()
    {
        var common = new ExperimentOptions();
        var split = new Option<string>("--split") { Description = "test or train", DefaultValueFactory = _ => "test" };
        var samples = new Option<int>("--samples") { Description = "Samples per prompt (mean@n)", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (the paper: 0.6)", DefaultValueFactory = _ => 0.6 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus threshold (the paper: 0.95)", DefaultValueFactory = _ => 0.95 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Completion length cap", DefaultValueFactory = _ => 64 };
        var reward = new Option<string>("--reward") { Description = "strict, robust, label-only or all", DefaultValueFactory = _ => "all" };
        var metric = new Option<string>("--metric") { Description = "reward, ce or all", DefaultValueFactory = _ => "all" };
        var limit = new Option<int>("--limit") { Description = "Evaluate the first N prompts only (0: all)", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Completions generated together", DefaultValueFactory = _ => 256 };
        var output = new Option<string?>("--out") { Description = "Folder for eval.json and completions.jsonl (default runs/eval-<time>)" };
        var quiet = new Option<bool>("--quiet") { Description = "No progress lines and no table: only errors and the final line (with --json, only the JSON)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout (the folder, the files written and eval.json's results); progress lines go to stderr" };
        var cmd = new Command("eval", "Evaluate a checkpoint: mean@n under the CoLA rewards (with CI) and the SFT cross-entropy")
            { split, samples, temperature, topP, maxNew, reward, metric, limit, batch, output, quiet, json };
        common.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json), silent = parse.GetValue(quiet);
            var display = ProgressDisplay.For(silent, asJson);
            var (_, train, test, encoder, model) = common.Resolve(parse, display.Log);
            var examples = parse.GetValue(split) switch { "test" => test, "train" => train, var s => throw new ReproException($"--split: '{s}' (test or train)") };
            if (parse.GetValue(limit) is > 0 and var n) examples = examples.Take(n).ToList();
            var which = parse.GetValue(metric)!;
            if (which is not ("reward" or "ce" or "all")) throw new ReproException($"--metric: '{which}' (reward, ce or all)");
            IReward[] rewards = parse.GetValue(reward) switch
            {
                "strict" => [new StrictColaReward()],
                "robust" => [new RobustColaReward()],
                "label-only" => [new LabelOnlyReward()],
                "all" => [new RobustColaReward(), new StrictColaReward(), new StrictColaRewardFixed(), new LabelOnlyReward()],
                var other => throw new ReproException($"--reward: '{other}' (strict, robust, label-only or all)"),
            };
            var dir = parse.GetValue(output) ?? Path.Combine("runs", $"eval-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            Directory.CreateDirectory(dir);
            var result = new JsonObject { ["split"] = parse.GetValue(split), ["prompts"] = examples.Count, ["seed"] = parse.GetValue(common.Seed) };
            var table = new Table().AddColumn("metric").AddColumn("value");

            if (which is "reward" or "all")
            {
                var prompts = examples.Select(encoder.Rl).ToList();
                var sampling = new SamplingOptions
                {
                    DoSample = true, Temperature = parse.GetValue(temperature), TopP = parse.GetValue(topP), TopK = 0, MaxNewTokens = parse.GetValue(maxNew),
                    Seed = (ulong)parse.GetValue(common.Seed), EosTokenIds = encoder.StopIds, PadTokenId = encoder.PadId,
                };
                var sampled = RewardEvaluation.Evaluate(model, prompts, encoder.Decode, rewards, sampling, parse.GetValue(samples), parse.GetValue(batch));
                var greedy = RewardEvaluation.Evaluate(model, prompts, encoder.Decode, [new RobustColaReward()],
                    SamplingOptions.Greedy(parse.GetValue(maxNew)) with { EosTokenIds = encoder.StopIds, PadTokenId = encoder.PadId });
                var json = sampled.ToJson();
                json["samples_per_prompt"] = parse.GetValue(samples);
                json["temperature"] = parse.GetValue(temperature);
                json["top_p"] = parse.GetValue(topP);
                json["greedy_accuracy_robust"] = greedy.Summaries[0].Accuracy;
                json["accuracy_note"] = "accuracy = (mean + 1) / 2, valid for ±1 rewards";
                result["rewards"] = json;
                foreach (var s in sampled.Summaries)
                    table.AddRow($"mean@{parse.GetValue(samples)} {s.Reward}", Markup.Escape($"{s.Mean:F3} [{s.CiLow:F3}, {s.CiHigh:F3}] (accuracy {s.Accuracy:P1})"));
                table.AddRow("greedy accuracy (robust)", $"{greedy.Summaries[0].Accuracy:P1}");
                var perSource = new JsonObject();
                foreach (var g in sampled.Completions.GroupBy(c => examples[c.PromptIndex].Source).OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    double acc = g.Average(c => c.Rewards.TryGetValue("robust_cola", out var r) ? (r + 1) / 2 : double.NaN);
                    double greedyAcc = greedy.Completions.Where(c => examples[c.PromptIndex].Source == g.Key).Average(c => (c.Rewards["robust_cola"] + 1) / 2);
                    perSource[g.Key] = new JsonObject { ["sampled_accuracy"] = Finite(acc), ["greedy_accuracy"] = Finite(greedyAcc), ["prompts"] = g.Select(c => c.PromptIndex).Distinct().Count() };
                    table.AddRow($"  {Markup.Escape(g.Key)}", $"sampled {acc:P1}, greedy {greedyAcc:P1}");
                }
                json["by_source"] = perSource;
                table.AddRow("format errors (no label word)", $"{sampled.FormatErrorRate:P1}");
                AtomicFile.WriteAllText(Path.Combine(dir, "completions.jsonl"), string.Concat(sampled.Completions.Select(c => JsonSerializer.Serialize(new
                {
                    prompt_id = c.PromptIndex, sample = c.Sample, text = c.Text, label = c.Label, rewards = c.Rewards, truncated = c.Truncated,
                }) + "\n")));
            }
            if (which is "ce" or "all")
            {
                var probe = new JsonObject();
                foreach (var format in new[] { LabelProbe.Format.Sft, LabelProbe.Format.Rl })
                {
                    var belief = LabelProbe.Belief(model, encoder, examples, format, new BaseSpec().Thoughts[0]);
                    probe[format == LabelProbe.Format.Sft ? "sft_format" : "rl_format"] = new JsonObject
                    {
                        ["auc"] = Finite(belief.Auc), ["mean_p_true"] = Finite(belief.MeanPTrue), ["argmax_accuracy"] = Finite(belief.ArgmaxAccuracy), ["label_ce"] = Finite(belief.LabelCe),
                    };
                    table.AddRow($"label belief ({format} format)", $"AUC {belief.Auc:F3}, mean p(true) {belief.MeanPTrue:F3}, argmax accuracy {belief.ArgmaxAccuracy:P1}, label CE {belief.LabelCe:F3} nats");
                }
                var roles = LabelProbe.SftCeByRole(model, encoder, examples);
                probe["sft_ce_by_role"] = new JsonObject { ["template"] = roles.Template, ["label"] = roles.Label, ["end"] = roles.End };
                table.AddRow("SFT CE by role (template / label / end)", $"{roles.Template:F4} / {roles.Label:F4} / {roles.End:F4}");
                result["label_probe"] = probe;
                var ce = CrossEntropy.Evaluate(model, examples.Select(encoder.Sft).ToList(), encoder.PadId, 512, 32);
                result["sft_ce"] = new JsonObject { ["mean_token_nll"] = ce.MeanTokenNll, ["mean_sequence_nll"] = ce.MeanSequenceNll, ["tokens"] = ce.Tokens };
                table.AddRow("SFT cross-entropy (nats/token)", $"{ce.MeanTokenNll:F4} over {ce.Tokens} completion tokens");
            }
            var evalJson = Path.Combine(dir, "eval.json");
            AtomicFile.WriteAllText(evalJson, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            if (asJson)
            {
                var document = (JsonObject)result.DeepClone();
                document.Insert(0, "out", dir);
                document.Insert(1, "files", new JsonArray(Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal).Select(f => (JsonNode)f).ToArray()));
                Console.Out.WriteLine(document.ToJsonString());
                return 0;
            }
            if (!silent) ReproCli.Out.Write(table);
            Console.Out.WriteLine($"wrote {evalJson}");
            return 0;
        });
        return cmd;
    }
}
