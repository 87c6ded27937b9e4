using System.Text.Json;
using Reproduction.Cli;

namespace Repro.Tests.Cli;

/// <summary>
/// `repro tokenize` through ReproCli.Run, with stdin and stdout redirected. Console redirection is process-wide,
/// so these tests form one collection that runs alone.
/// </summary>
[Collection(nameof(ConsoleRedirection))]
public sealed class TokenizeCommandTests
{
    private static (int ExitCode, string Stdout, string Stderr) Run(string stdin, params string[] args)
    {
        var (oldIn, oldOut, oldErr) = (Console.In, Console.Out, Console.Error);
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        try
        {
            Console.SetIn(new StringReader(stdin));
            Console.SetOut(stdout);
            Console.SetError(stderr);
            int code = ReproCli.Run(args);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetIn(oldIn);
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void Text_prints_the_ids_as_one_json_object()
    {
        var (code, stdout, _) = Run("", "tokenize", "--text", "<|im_start|>user\nHello<|im_end|>");
        Assert.Equal(0, code);
        Assert.Equal("{\"ids\":[151644,872,198,9707,151645]}\n", stdout);
    }

    [Fact]
    public void Jsonl_writes_one_ids_line_per_input_line_and_skips_blank_lines()
    {
        var (code, stdout, _) = Run("{\"text\": \"Hello\"}\n\n{\"text\": \"\"}\n{\"text\": \"<think>\"}\n", "tokenize", "--jsonl");
        Assert.Equal(0, code);
        Assert.Equal("{\"ids\":[9707]}\n{\"ids\":[]}\n{\"ids\":[151667]}\n", stdout);
    }

    [Fact]
    public void Jsonl_reproduces_the_golden_ids_of_every_hand_picked_case()
    {
        var golden = Path.Combine(SharedData.Require("golden", "tokenizer"), "qwen3_golden.jsonl");
        var lines = File.ReadAllLines(golden).Where(l => l.Length > 0).ToArray();
        var (code, stdout, stderr) = Run(string.Join("\n", lines) + "\n", "tokenize", "--jsonl");
        Assert.True(code == 0, stderr);
        var outputs = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lines.Length, outputs.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var expected = JsonDocument.Parse(lines[i]);
            using var actual = JsonDocument.Parse(outputs[i]);
            Assert.Equal(
                expected.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()),
                actual.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        }
    }

    [Fact]
    public void A_tokenizer_folder_can_be_given()
    {
        var (code, stdout, _) = Run("", "tokenize", "--tokenizer", SharedData.Require("qwen3-tokenizer"), "--text", "Hello");
        Assert.Equal(0, code);
        Assert.Equal("{\"ids\":[9707]}\n", stdout);
    }

    [Fact]
    public void A_bad_json_line_is_exit_code_2_naming_stdin_and_the_line()
    {
        var (code, stdout, stderr) = Run("{\"text\": \"ok\"}\n{\"txt\": 1}\n", "tokenize", "--jsonl");
        Assert.Equal(2, code);
        Assert.Equal("{\"ids\":[562]}\n", stdout);
        Assert.StartsWith("repro: error: stdin:2: expected a JSON object with a string \"text\"", stderr);
    }

    [Fact]
    public void Neither_text_nor_jsonl_is_exit_code_2()
    {
        var (code, _, stderr) = Run("", "tokenize");
        Assert.Equal(2, code);
        Assert.Contains("exactly one of --text or --jsonl", stderr);
    }

    [Fact]
    public void A_missing_tokenizer_folder_is_exit_code_2_naming_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "repro-no-such-tokenizer");
        var (code, _, stderr) = Run("", "tokenize", "--tokenizer", missing, "--text", "x");
        Assert.Equal(2, code);
        Assert.StartsWith($"repro: error: {missing}: tokenizer folder does not exist", stderr);
    }
}

/// <summary>Tests that redirect Console.In/Out/Error: never run in parallel with anything.</summary>
[CollectionDefinition(nameof(ConsoleRedirection), DisableParallelization = true)]
public sealed class ConsoleRedirection;
