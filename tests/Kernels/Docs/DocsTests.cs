using Reproduction.Cli;

namespace Repro.Tests.Docs;

/// <summary>
/// The README and docs/ are tested: every `repro …` command they show parses with the real command line (the
/// long ones are not run), every relative link and image points to a file or folder that exists, and no page leans on
/// the reference-data folder a user's clone does not have.
/// </summary>
public sealed class DocsTests
{
    [Theory]
    [MemberData(nameof(DocPages.Names), MemberType = typeof(DocPages))]
    public void Every_repro_command_on_the_page_parses(string page)
    {
        var failures = new List<string>();
        foreach (var c in DocCommands.In(DocPages.PathOf(page)))
        {
            var root = ReproCli.Build();
            // A verb named in prose (`repro sft`) need not carry its required options; it must be a verb.
            if (!c.InBlock && c.Args.All(a => a.Quoted || !a.Value.StartsWith('-')))
            {
                if (!DocCommands.IsVerbPath(root, c.Args)) failures.Add($"{c}: not a verb of repro");
                continue;
            }
            var args = DocCommands.Fill(root, c.Args);
            var errors = root.Parse(args).Errors;
            if (errors.Count > 0) failures.Add($"{c}: [{string.Join(" ", args)}]: {string.Join("; ", errors.Select(e => e.Message))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void The_readme_shows_the_study_and_every_page_set_shows_enough_commands_to_make_the_check_mean_something()
    {
        var readme = DocCommands.In(DocPages.Readme);
        Assert.Contains(readme, c => c.InBlock && c.Args.Count == 1 && c.Args[0].Value == "study");
        Assert.True(readme.Count >= 5, $"README: only {readme.Count} repro commands found");
        Assert.True(DocPages.All.Sum(p => DocCommands.In(p).Count) >= 60, "the pages show fewer repro commands than expected: is the extraction broken?");
        Assert.Contains("```bash\ndotnet test Repro.sln\n```", File.ReadAllText(DocPages.Readme).Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(DocPages.Names), MemberType = typeof(DocPages))]
    public void Every_relative_link_and_image_on_the_page_resolves(string page)
    {
        var path = DocPages.PathOf(page);
        var folder = Path.GetDirectoryName(path)!;
        var failures = new List<string>();
        foreach (var link in MarkdownParts.Links(File.ReadAllText(path)))
        {
            if (IsExternal(link.Target) || link.Target.StartsWith('#')) continue;
            var target = Uri.UnescapeDataString(link.Target.Split('#')[0].Split('?')[0]);
            if (target.StartsWith('/')) { failures.Add($"{page}:{link.Line}: {link.Target}: an absolute path does not resolve in a clone"); continue; }
            var resolved = Path.GetFullPath(Path.Combine(folder, target));
            if (!File.Exists(resolved) && !Directory.Exists(resolved))
                failures.Add($"{page}:{link.Line}: {(link.Image ? "image" : "link")} {link.Target}: no such file ({Path.GetRelativePath(SharedData.RepoRoot, resolved)})");
            else if (!resolved.StartsWith(SharedData.RepoRoot, StringComparison.Ordinal))
                failures.Add($"{page}:{link.Line}: {link.Target}: outside the repository");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [MemberData(nameof(DocPages.Names), MemberType = typeof(DocPages))]
    public void No_page_depends_on_the_reference_data_folder_beside_the_clone(string page)
    {
        var text = File.ReadAllText(DocPages.PathOf(page));
        Assert.DoesNotContain("../shared", text, StringComparison.Ordinal);
        Assert.DoesNotContain("shared/golden", text, StringComparison.Ordinal);
    }

    private static bool IsExternal(string target) =>
        Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is not "file" && target.Contains(':', StringComparison.Ordinal);
}
