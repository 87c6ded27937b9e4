using System.CommandLine;
using System.Text;
using System.Text.RegularExpressions;

namespace Repro.Tests.Docs;

/// <summary>One word of a shell command line; a quoted word is taken as written (never a placeholder or a pipe).</summary>
public sealed record ShellWord(string Value, bool Quoted);

/// <summary>A `repro …` command shown on a page: where, as written, and the words after `repro`.</summary>
public sealed record DocCommand(string Page, int Line, string Source, bool InBlock, IReadOnlyList<ShellWord> Args)
{
    public override string ToString() => $"{Page}:{Line}: {Source}";
}

/// <summary>
/// The `repro` commands a page shows, in code blocks and inline code: `repro ARGS` or `dotnet run --project
/// src/Reproduction [build flags] -- ARGS`, after environment assignments, in any segment of a pipeline. The usage
/// notation of the pages is read as a reader would: `[--opt X]` is an optional part (included; of `[a | b]` the first
/// alternative), `a|b|c` a choice (the first), `…` more of the same (left out), and an upper-case word such as DIR, N
/// or FILE a placeholder, which <see cref="Fill"/> turns into a value of the option's type.
/// </summary>
public static partial class DocCommands
{
    public static IReadOnlyList<DocCommand> In(string page)
    {
        var name = DocPages.Name(page);
        return MarkdownParts.Code(File.ReadAllText(page))
            .SelectMany(p => FromCode(p.Text, p.InBlock).Select(args => new DocCommand(name, p.Line, p.Text, p.InBlock, args)))
            .ToList();
    }

    /// <summary>The argument lists (the words after `repro`) of every repro command in one piece of code.</summary>
    public static IEnumerable<IReadOnlyList<ShellWord>> FromCode(string code, bool inBlock)
    {
        // In a Markdown table a pipe inside inline code is written \|.
        var words = Optional(Words(inBlock ? code : code.Replace("\\|", "|", StringComparison.Ordinal)));
        var segment = new List<ShellWord>();
        foreach (var w in words.Append(new ShellWord("|", false)))
        {
            if (!w.Quoted && w.Value is "|" or "||" or "&&" or ";")
            {
                if (Args(segment) is { Count: > 0 } args) yield return args; // bare `repro` names the program
                segment.Clear();
            }
            else segment.Add(w);
        }
    }

    /// <summary>
    /// The arguments with placeholders filled: a placeholder after an option whose value is a number becomes 1, any
    /// other stays as written (a string option takes it as it is).
    /// </summary>
    public static string[] Fill(RootCommand root, IReadOnlyList<ShellWord> args)
    {
        Command command = root;
        var filled = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (!a.Quoted && command.Subcommands.FirstOrDefault(c => c.Name == a.Value || c.Aliases.Contains(a.Value)) is { } sub)
            {
                command = sub;
                filled.Add(a.Value);
                continue;
            }
            filled.Add(a.Value);
            if (a.Quoted || !a.Value.StartsWith('-') || i + 1 >= args.Count || !IsPlaceholder(args[i + 1])) continue;
            var option = OptionOf(root, command, a.Value);
            var type = option is null ? null : Nullable.GetUnderlyingType(option.ValueType) ?? option.ValueType;
            filled.Add(type is not null && (type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(float) || type == typeof(decimal))
                ? "1" : args[i + 1].Value);
            i++;
        }
        return filled.ToArray();
    }

    /// <summary>Whether the words are only verbs (a verb named in prose, such as `repro sft`), each a subcommand of the one before.</summary>
    public static bool IsVerbPath(RootCommand root, IReadOnlyList<ShellWord> args)
    {
        Command command = root;
        foreach (var a in args)
        {
            if (a.Quoted || command.Subcommands.FirstOrDefault(c => c.Name == a.Value) is not { } sub) return false;
            command = sub;
        }
        return args.Count > 0;
    }

    public static bool IsPlaceholder(ShellWord w) => !w.Quoted && Placeholder().IsMatch(w.Value);

    private static Option? OptionOf(RootCommand root, Command command, string name) =>
        command.Options.Concat(root.Options).FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));

    /// <summary>The words after `repro` when the segment runs repro, else null.</summary>
    private static IReadOnlyList<ShellWord>? Args(List<ShellWord> segment)
    {
        int i = 0;
        while (i < segment.Count && !segment[i].Quoted && EnvAssignment().IsMatch(segment[i].Value)) i++;
        var rest = segment.Skip(i).ToList();
        if (rest.Count == 0 || rest[0].Quoted) return null;
        if (rest[0].Value == "repro") return Clean(rest.Skip(1));
        if (rest[0].Value != "dotnet" || rest.Count < 2 || rest[1].Value != "run") return null;
        int project = rest.FindIndex(w => w.Value == "--project");
        int dashes = rest.FindIndex(w => !w.Quoted && w.Value == "--");
        if (project < 0 || project + 1 >= rest.Count || dashes < 0) return null;
        if (rest[project + 1].Value.TrimEnd('/') != "src/Reproduction") return null;
        return Clean(rest.Skip(dashes + 1));
    }

    /// <summary>`…` left out; `a|b|c` → a; `name[,…]` → name.</summary>
    private static List<ShellWord> Clean(IEnumerable<ShellWord> words)
    {
        var list = new List<ShellWord>();
        foreach (var w in words)
        {
            if (w.Quoted) { list.Add(w); continue; }
            var v = InnerOptional().Replace(w.Value, "");
            if (v.Contains('|', StringComparison.Ordinal)) v = v.Split('|')[0];
            if (v is "…" or "..." or "") continue;
            list.Add(new ShellWord(v, false));
        }
        return list;
    }

    /// <summary>`[…]` groups resolved: the brackets dropped, and of `[a | b]` only a.</summary>
    private static List<ShellWord> Optional(List<ShellWord> words)
    {
        var result = new List<ShellWord>();
        int depth = 0;
        bool skipping = false;
        foreach (var w in words)
        {
            if (w.Quoted) { if (!skipping) result.Add(w); continue; }
            var v = w.Value;
            int opens = 0;
            while (v.StartsWith('[')) { v = v[1..]; opens++; }
            depth += opens;
            int closes = 0;
            while (depth - closes > 0 && v.EndsWith(']') && !v.Contains('[', StringComparison.Ordinal)) { v = v[..^1]; closes++; }
            if (depth > 0 && v == "|") skipping = true;
            else if (!skipping && v.Length > 0) result.Add(new ShellWord(v, false));
            depth -= closes;
            if (depth == 0) skipping = false;
        }
        return result;
    }

    /// <summary>Splits a command line into words as a POSIX shell does for quotes, escapes and comments (no expansion).</summary>
    public static List<ShellWord> Words(string line)
    {
        var words = new List<ShellWord>();
        var current = new StringBuilder();
        bool inWord = false, quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) End();
                continue;
            }
            if (c == '#' && !inWord) break; // a comment
            inWord = true;
            if (c == '\'')
            {
                quoted = true;
                int close = line.IndexOf('\'', i + 1);
                if (close < 0) close = line.Length;
                current.Append(line, i + 1, Math.Max(0, close - i - 1));
                i = close;
            }
            else if (c == '"')
            {
                quoted = true;
                for (i++; i < line.Length && line[i] != '"'; i++)
                {
                    if (line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '"' or '\\' or '$' or '`') i++;
                    current.Append(line[i]);
                }
            }
            else if (c == '\\' && i + 1 < line.Length) current.Append(line[++i]);
            else current.Append(c);
        }
        if (inWord) End();
        return words;

        void End()
        {
            words.Add(new ShellWord(current.ToString(), quoted));
            current.Clear();
            inWord = quoted = false;
        }
    }

    [GeneratedRegex(@"^[A-Z][A-Z0-9_]*$")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex EnvAssignment();

    [GeneratedRegex(@"\[[^\[\]]*\]")]
    private static partial Regex InnerOptional();
}
