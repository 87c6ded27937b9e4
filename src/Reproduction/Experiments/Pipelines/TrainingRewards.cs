using Reproduction.Rewards;

namespace Reproduction.Experiments.Pipelines;

/// <summary>The training rewards a stage spec names: strict (the paper's) and label-only (the ablation's).</summary>
public static class TrainingRewards
{
    public const string Strict = "strict", LabelOnly = "label_only";

    public static IReward Of(string name) => name switch
    {
        Strict => new StrictColaReward(),
        LabelOnly => new LabelOnlyReward(),
        _ => throw new ReproException($"unknown training reward '{name}' ({Strict}, {LabelOnly})"),
    };
}
