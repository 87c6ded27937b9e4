namespace Reproduction.IO;

/// <summary>
/// Repro's one cache folder, as huggingface_hub keeps one (HF_HOME): `$REPRO_CACHE`, else `$XDG_CACHE_HOME/repro`, else
/// `~/.cache/repro`. Downloaded models live at its top (<see cref="Download.HubModelSource"/>), trained pipeline prefixes
/// under <see cref="StagesFolder"/> (<see cref="Experiments.Pipelines.StageCache"/>).
/// </summary>
public static class CacheHome
{
    public const string EnvironmentVariable = "REPRO_CACHE", StagesFolder = "stages";

    public static string Root =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir ? dir
        : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "repro");

    /// <summary>Where the stage cache lives unless `--cache` names another folder.</summary>
    public static string Stages => Path.Combine(Root, StagesFolder);
}
