using System.CommandLine;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>
/// `repro generate --model DIR (--ids "…" | --prompt "…" [--chat] [--no-thinking]) [--max-new-tokens N]
/// [--greedy | --temperature T --top-p P --top-k K] [--seed S] [--json]`.
/// Text prompts are tokenized with the model folder's tokenizer files (else the shipped Qwen3 tokenizer), rendered with
/// the Qwen3 chat template with --chat, and mapped through the folder's vocab_subset.json for the tiny models.
/// Without --greedy or sampling flags the model's generation_config.json decides (do_sample needs --seed).
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "HF model folder", Required = true };
        var ids = new Option<string?>("--ids") { Description = "Prompt token ids: rows separated by ';', ids by ','" };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt text (tokenized with the Qwen3 tokenizer)" };
        var chat = new Option<bool>("--chat") { Description = "Render --prompt as a user turn with the Qwen3 chat template" };
        var noThinking = new Option<bool>("--no-thinking") { Description = "With --chat: enable_thinking=False (the empty think block is in the prompt)" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 20 };
        var greedy = new Option<bool>("--greedy") { Description = "Greedy decoding (do_sample=False)" };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature (implies sampling)" };
        var topP = new Option<double?>("--top-p") { Description = "Nucleus sampling threshold (implies sampling)" };
        var topK = new Option<int?>("--top-k") { Description = "Top-k filter, 0 disables (implies sampling)" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the sampling generator (required when sampling)" };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: float32, bfloat16 or float64", DefaultValueFactory = _ => "float32" };
        var json = new Option<bool>("--json") { Description = "Print JSON: ids, logprobs, stop_reason" };
        var cmd = new Command("generate", "Generate from token-id or text prompts (KV cache, greedy or sampled)")
            { model, ids, prompt, chat, noThinking, maxNew, greedy, temperature, topP, topK, seed, dtype, json };
        cmd.SetAction(p =>
        {
            if ((p.GetValue(ids) is null) == (p.GetValue(prompt) is null)) throw new ReproException("generate: give exactly one of --ids and --prompt");
            if (p.GetValue(prompt) is { } text)
                return RunText(p.GetValue(model)!, text, p.GetValue(chat), p.GetValue(noThinking), p.GetValue(maxNew), p.GetValue(greedy),
                    p.GetValue(temperature), p.GetValue(topP), p.GetValue(topK), p.GetValue(seed), p.GetValue(dtype)!, p.GetValue(json), Console.Out);
            return Run(p.GetValue(model)!, p.GetValue(ids)!, p.GetValue(maxNew), p.GetValue(greedy), p.GetValue(temperature),
                p.GetValue(topP), p.GetValue(topK), p.GetValue(seed), p.GetValue(dtype)!, p.GetValue(json), Console.Out);
        });
        return cmd;
    }

    /// <summary>A text prompt: tokenize (chat template with --chat), map through the vocabulary subset if any, generate, decode.</summary>
    public static int RunText(string modelDir, string text, bool chat, bool noThinking, int maxNewTokens, bool greedy, double? temperature,
        double? topP, int? topK, ulong? seed, string dtypeName, bool json, TextWriter output)
    {
        var tokenizer = File.Exists(Path.Combine(modelDir, "tokenizer.json")) ? Text.Qwen3Tokenizer.Load(modelDir) : Text.Qwen3Tokenizer.LoadDefault();
        var subset = Text.VocabularySubset.LoadFrom(modelDir);
        var rendered = chat ? Text.Qwen3ChatTemplate.Render([Text.ChatMessage.UserMessage(text)], addGenerationPrompt: true, enableThinking: !noThinking) : text;
        var qwenIds = tokenizer.Encode(rendered);
        var modelIds = subset is null ? qwenIds.Select(i => (long)i).ToArray() : subset.ToCompact(qwenIds);
        var buffer = new StringWriter();
        Run(modelDir, string.Join(",", modelIds), maxNewTokens, greedy, temperature, topP, topK, seed, dtypeName, json: false, buffer);
        var generated = buffer.ToString().Trim().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        var qwenOut = subset is null ? generated.Select(i => checked((int)i)).ToArray() : subset.ToQwen(generated);
        var completion = tokenizer.Decode(qwenOut, skipSpecialTokens: true);
        if (!json) { output.WriteLine(completion); return 0; }
        JsonOutput.Write(output, w =>
        {
            w.WriteStartObject();
            w.WriteString("prompt", rendered);
            w.WriteString("text", completion);
            w.WriteStartArray("ids");
            foreach (var id in generated) w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return 0;
    }

    public static int Run(string modelDir, string idsText, int maxNewTokens, bool greedy, double? temperature, double? topP, int? topK,
        ulong? seed, string dtypeName, bool json, TextWriter output)
    {
        bool samplingFlags = temperature is not null || topP is not null || topK is not null;
        if (greedy && samplingFlags) throw new ReproException("--greedy: cannot be combined with --temperature, --top-p or --top-k");
        var dtype = DtypeNames.Parse(dtypeName);
        using var model = Qwen3ForCausalLM.FromPretrained(modelDir, dtype);
        var prompts = TokenIdsArgument.Parse(idsText, model.Config.VocabSize);

        var fromModel = model.GenerationConfig;
        bool doSample = !greedy && (samplingFlags || fromModel.DoSample);
        var options = new SamplingOptions
        {
            MaxNewTokens = maxNewTokens,
            DoSample = doSample,
            Temperature = temperature ?? fromModel.Temperature ?? 1.0,
            TopP = topP ?? fromModel.TopP ?? 1.0,
            TopK = topK ?? (int)(fromModel.TopK ?? 50),
            Seed = seed,
        };
        if (doSample && seed is null) throw new ReproException("--seed: sampling needs an explicit seed (or pass --greedy)");
        var result = TokenGenerator.Generate(model, prompts, options);

        if (!json)
        {
            foreach (var row in result.Tokens) output.WriteLine(string.Join(",", row));
            return 0;
        }
        JsonOutput.Write(output, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("ids");
            foreach (var row in result.Tokens)
            {
                w.WriteStartArray();
                foreach (var id in row) w.WriteNumberValue(id);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartArray("logprobs");
            foreach (var row in result.LogProbs)
            {
                w.WriteStartArray();
                foreach (var lp in row) w.WriteNumberValue(lp);
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteStartArray("stop_reason");
            foreach (var r in result.StopReasons) w.WriteStringValue(r == StopReason.Eos ? "eos" : "max_new_tokens");
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return 0;
    }
}
