using Reproduction.Cli;
using Repro.Tests.Cli;

namespace Repro.Tests.Docs;

/// <summary>
/// The short commands the pages show are run, not only parsed: every `repro theory`, `repro doctor` and
/// `repro tokenize --text …` / `--help` command on a page, with no placeholder in it, exits 0.
/// (Training verbs take minutes and are exercised by the pipeline tests.)
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class DocCommandRunTests
{
    private static readonly string[] ShortVerbs = ["theory", "doctor", "tokenize"];

    public static TheoryData<string> ShortCommands()
    {
        var data = new TheoryData<string>();
        foreach (var page in DocPages.All)
            foreach (var c in DocCommands.In(page))
            {
                if (!c.InBlock && c.Args.Count < 2) continue;                                   // a verb named in prose
                if (c.Args.Count == 0 || c.Args.Any(DocCommands.IsPlaceholder)) continue;
                bool help = c.Args.Any(a => a.Value == "--help");
                bool shortVerb = ShortVerbs.Contains(c.Args[0].Value) && (c.Args[0].Value != "tokenize" || c.Args.Any(a => a.Value == "--text"));
                if ((help || shortVerb) && !c.Args.Any(a => a.Value.Contains('…'))) data.Add(string.Join('\u001f', c.Args.Select(a => a.Value)));
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(ShortCommands))]
    public void A_short_command_on_a_page_runs_and_exits_0(string joined)
    {
        var args = joined.Split('\u001f');
        using var console = new ConsoleCapture();
        int code = ReproCli.Run(args);
        Assert.True(code == 0, $"repro {string.Join(' ', args)} exited {code}: {console.Error}");
    }

    [Fact]
    public void The_pages_show_short_commands_of_every_kind_the_check_runs()
    {
        var commands = ShortCommands().Select(row => row.Data.Split('\u001f')[0]).ToHashSet();
        Assert.Contains("theory", commands);
        Assert.Contains("tokenize", commands);
    }
}
