using System.CommandLine;
using Reproduction.IO;

namespace Reproduction.Cli;

/// <summary>`--cache DIR` and `--no-cache`, shared by `study`, `ablate` and `frontier`: where trained pipeline prefixes are kept and reused.</summary>
public sealed class CacheArguments
{
    public readonly Option<string?> Folder = new("--cache")
    {
        Description = $"Stage cache folder: a pipeline prefix trained before (same base, data, seed and stage options) is reused from it, and new ones are stored (default: the stages folder of $REPRO_CACHE, else of $XDG_CACHE_HOME/repro, else ~/.cache/repro/stages)",
    };

    public readonly Option<bool> Disabled = new("--no-cache") { Description = "Train every stage; read and write no stage cache" };

    public static CacheArguments Create() => new();

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Folder);
        cmd.Options.Add(Disabled);
    }

    /// <summary>The cache folder, or null with --no-cache.</summary>
    public string? Get(ParseResult parse)
    {
        if (!parse.GetValue(Disabled)) return parse.GetValue(Folder) ?? CacheHome.Stages;
        return parse.GetValue(Folder) is null ? null : throw new ReproException("--cache and --no-cache: give one of them");
    }
}
