using Reproduction.Cli;

namespace Repro.Tests.Docs;

/// <summary>How the docs test reads commands and links off a page: the usage notation, pipes, comments and code fences.</summary>
public sealed class DocCommandsTests
{
    private static string[] Args(string code, bool inBlock = true) =>
        DocCommands.FromCode(code, inBlock).Select(a => DocCommands.Fill(ReproCli.Build(), a)).Single();

    [Fact]
    public void Usage_notation_reads_as_a_reader_would()
    {
        Assert.Equal(["data", "download", "cola", "--url", "URL", "--out", "DIR", "--timeout", "1"],
            Args("repro data download cola [--url URL] [--out DIR] [--timeout SECONDS]"));
        Assert.Equal(["generate", "--model", "DIR", "--prompt", "…", "--chat", "--greedy"],
            Args("repro generate --model DIR --prompt \"…\" --chat [--greedy | --temperature 0.6 --top-p 0.95 --seed 1]"));
        Assert.Equal(["ablate", "--kind", "reward"], Args("repro ablate --kind reward\\|beta\\|schedule[,…]", inBlock: false));
        Assert.Equal(["import", "verl", "--log", "PIPELINE/STAGE=FILE"], Args("repro import verl --log PIPELINE/STAGE=FILE …"));
    }

    [Fact]
    public void Dotnet_run_environment_assignments_pipes_and_comments_are_handled()
    {
        Assert.Equal(["study", "--preset", "qwen3-0.6b"],
            Args("dotnet run --project src/Reproduction -c Release -p:TorchBackend=cuda -- study --preset qwen3-0.6b   # the paper's setting"));
        Assert.Equal(["tokenize", "--jsonl"], Args("printf '{\"text\":\"Hello\"}\\n' | repro tokenize --jsonl # one line each"));
        Assert.Equal(["theory"], Args("REPRO_X=1 OTHER=2 repro theory"));
        Assert.Empty(DocCommands.FromCode("dotnet test Repro.sln", inBlock: true));
        Assert.Empty(DocCommands.FromCode("repro-export.json", inBlock: false));
        Assert.Empty(DocCommands.FromCode("python3 reward/cola_reward.py --check x # repro study", inBlock: true));
    }

    [Fact]
    public void Code_comes_from_fences_and_inline_spans_but_not_from_html_comments_and_links_not_from_code()
    {
        const string page = "Run `repro study --seeds 1` or\n\n```bash\nrepro theory \\\n  --json\n```\n\n<!-- `repro nothing` [x](gone.md) -->\n" +
                            "See [the study](docs/study.md#a) and ![fig](f.png), not `[code](no.md)`.\n";
        Assert.Equal(["repro study --seeds 1", "repro theory    --json", "[code](no.md)"], MarkdownParts.Code(page).Select(c => c.Text));
        Assert.Equal([(9, "docs/study.md#a", false), (9, "f.png", true)], MarkdownParts.Links(page).Select(l => (l.Line, l.Target, l.Image)));
    }

    [Fact]
    public void A_broken_command_fails_to_parse()
    {
        var root = ReproCli.Build();
        Assert.NotEmpty(root.Parse(Args("repro study --seed 1")).Errors);
        Assert.NotEmpty(root.Parse(Args("repro gate --run DIR --baseline")).Errors);
        Assert.False(DocCommands.IsVerbPath(root, DocCommands.FromCode("repro stdy", inBlock: false).Single()));
        Assert.True(DocCommands.IsVerbPath(root, DocCommands.FromCode("repro baseline record", inBlock: false).Single()));
    }
}
