using System.Text;
using System.Text.RegularExpressions;

namespace Repro.Tests.Docs;

/// <summary>A piece of code on a page: one logical line of a fenced block (continuation lines joined), or an inline span.</summary>
public sealed record CodePiece(int Line, string Text, bool InBlock);

/// <summary>A link or image target on a page, as written (anchor included).</summary>
public sealed record LinkTarget(int Line, string Target, bool Image);

/// <summary>
/// The parts of a Markdown page the docs tests read: code (fenced blocks and inline spans) and link and image targets.
/// HTML comments are not rendered, so nothing inside one counts; links inside code are code, not links.
/// </summary>
public static partial class MarkdownParts
{
    public static IReadOnlyList<CodePiece> Code(string markdown)
    {
        var (prose, blocks) = Split(markdown);
        var pieces = new List<CodePiece>(blocks);
        foreach (Match m in InlineCode().Matches(prose))
        {
            var text = m.Groups["code"].Value; // a span never crosses a blank line: the regex stops at one
            pieces.Add(new CodePiece(LineAt(prose, m.Index), text.Replace('\n', ' ').Trim(), InBlock: false));
        }
        return pieces.OrderBy(p => p.Line).ToList();
    }

    public static IReadOnlyList<LinkTarget> Links(string markdown)
    {
        var (prose, _) = Split(markdown);
        var text = InlineCode().Replace(prose, m => Blank(m.Value));
        var links = new List<LinkTarget>();
        foreach (Match m in MarkdownLink().Matches(text))
            links.Add(new LinkTarget(LineAt(text, m.Index), m.Groups["target"].Value, m.Groups["bang"].Success));
        foreach (Match m in HtmlLink().Matches(text))
            links.Add(new LinkTarget(LineAt(text, m.Index), m.Groups["target"].Value, m.Groups["attr"].Value == "src"));
        return links.OrderBy(l => l.Line).ToList();
    }

    /// <summary>
    /// The page with fenced blocks and HTML comments blanked (line breaks kept, so offsets map to the same lines), and
    /// the fenced blocks' logical lines.
    /// </summary>
    private static (string Prose, List<CodePiece> Blocks) Split(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var prose = new StringBuilder();
        var blocks = new List<CodePiece>();
        string? fence = null;
        var pending = new StringBuilder();
        int pendingLine = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (fence is null && (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal)))
            {
                fence = trimmed[..3];
                prose.Append('\n');
                continue;
            }
            if (fence is not null)
            {
                if (trimmed.StartsWith(fence, StringComparison.Ordinal) && trimmed.Trim('`', '~').Trim().Length == 0)
                {
                    fence = null;
                    Flush();
                }
                else
                {
                    if (pending.Length == 0) pendingLine = i + 1;
                    var continued = line.EndsWith('\\');
                    pending.Append(continued ? line[..^1] + " " : line);
                    if (!continued) Flush();
                }
                prose.Append('\n');
                continue;
            }
            prose.Append(line).Append('\n');
        }
        Flush();
        return (HtmlComment().Replace(prose.ToString(), m => Blank(m.Value)), blocks);

        void Flush()
        {
            if (pending.Length > 0) blocks.Add(new CodePiece(pendingLine, pending.ToString().Trim(), InBlock: true));
            pending.Clear();
        }
    }

    /// <summary>Spaces of the same length, line breaks kept.</summary>
    private static string Blank(string s) => new(s.Select(c => c == '\n' ? '\n' : ' ').ToArray());

    private static int LineAt(string text, int index) => 1 + text.AsSpan(0, index).Count('\n');

    [GeneratedRegex(@"(?<!`)(?<ticks>`+)(?!`)(?<code>(?:(?!\n[ \t]*\n).)+?)(?<!`)\k<ticks>(?!`)", RegexOptions.Singleline)]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"<!--.*?-->", RegexOptions.Singleline)]
    private static partial Regex HtmlComment();

    [GeneratedRegex(@"(?<bang>!)?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?(?<target>[^()\s<>]+(?:\([^()\s]*\)[^()\s<>]*)*)>?(?:\s+""[^""]*"")?\s*\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"<(?:a|img)\b[^>]*?\b(?<attr>href|src)\s*=\s*""(?<target>[^""]+)""", RegexOptions.IgnoreCase)]
    private static partial Regex HtmlLink();
}
