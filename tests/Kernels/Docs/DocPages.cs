namespace Repro.Tests.Docs;

/// <summary>The user-facing pages: README.md at the repository root and every docs/*.md.</summary>
public static class DocPages
{
    public static string Readme => Path.Combine(SharedData.RepoRoot, "README.md");

    public static string DocsFolder => Path.Combine(SharedData.RepoRoot, "docs");

    /// <summary>README.md first, then docs/*.md in name order.</summary>
    public static IReadOnlyList<string> All =>
        [Readme, .. Directory.EnumerateFiles(DocsFolder, "*.md").Order(StringComparer.Ordinal)];

    /// <summary>A page's path relative to the repository root, with forward slashes, for messages.</summary>
    public static string Name(string page) => Path.GetRelativePath(SharedData.RepoRoot, page).Replace('\\', '/');

    /// <summary>One member per page, for [Theory] data.</summary>
    public static TheoryData<string> Names => new(All.Select(Name));

    public static string PathOf(string name) => Path.Combine(SharedData.RepoRoot, name);
}
