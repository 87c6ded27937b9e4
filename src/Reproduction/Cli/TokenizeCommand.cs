using System.CommandLine;
using System.Text.Json;
using Reproduction.Text;

namespace Reproduction.Cli;

/// <summary>`repro tokenize`: Qwen3 token ids of a text (--text) or of JSON lines {"text": …} on stdin (--jsonl).</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerOption = new Option<string>("--tokenizer")
        {
            Description = "Hugging Face tokenizer folder (tokenizer.json, or vocab.json + merges.txt + tokenizer_config.json); default: the shipped Qwen3 tokenizer",
        };
        var textOption = new Option<string>("--text") { Description = "The text to encode; prints {\"ids\":[…]}" };
        var jsonlOption = new Option<bool>("--jsonl")
        {
            Description = "Read JSON lines {\"text\": …} from stdin and write one {\"ids\":[…]} line for each (blank lines are skipped)",
        };
        var cmd = new Command("tokenize", "Encode text with the Qwen3 tokenizer (no BOS/EOS; added tokens such as <|im_start|> are single ids)");
        cmd.Options.Add(tokenizerOption);
        cmd.Options.Add(textOption);
        cmd.Options.Add(jsonlOption);
        cmd.SetAction(parseResult =>
        {
            try
            {
                return Run(parseResult.GetValue(tokenizerOption), parseResult.GetValue(textOption), parseResult.GetValue(jsonlOption),
                    Console.In, Console.Out);
            }
            catch (Exception e) when (e is ReproException or IOException or UnauthorizedAccessException)
            {
                return ReproCli.ReportError(e, parseResult.GetValue(ReproCli.Verbose));
            }
        });
        return cmd;
    }

    /// <summary>Encodes --text, or every JSON line of <paramref name="input"/> with --jsonl; returns the exit code.</summary>
    public static int Run(string? tokenizerDirectory, string? text, bool jsonl, TextReader input, TextWriter output)
    {
        if (text is null == !jsonl)
            throw new ReproException("tokenize: give exactly one of --text or --jsonl");
        var tokenizer = tokenizerDirectory is null ? Qwen3Tokenizer.LoadDefault() : Qwen3Tokenizer.Load(tokenizerDirectory);
        if (text is not null)
        {
            WriteIds(output, tokenizer.Encode(text));
            return 0;
        }
        int lineNumber = 0;
        while (input.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            WriteIds(output, tokenizer.Encode(ReadText(line, lineNumber)));
        }
        return 0;
    }

    private static string ReadText(string line, int lineNumber)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                return text.GetString()!;
        }
        catch (JsonException e)
        {
            throw ReproException.ForFile($"stdin:{lineNumber}", $"not valid JSON: {e.Message}", e);
        }
        throw ReproException.ForFile($"stdin:{lineNumber}", "expected a JSON object with a string \"text\"");
    }

    private static void WriteIds(TextWriter output, int[] ids)
    {
        output.Write("{\"ids\":[");
        output.Write(string.Join(',', ids));
        output.WriteLine("]}");
    }
}
