namespace Reproduction.Data;

/// <summary>
/// What a CoLA v1.1 split holds: its file stem and its row and label counts (the release's own numbers;
/// loading asserts them). <see cref="PaperTrain"/> / <see cref="PaperTest"/> are the paper's "original
/// train/test split" as in the public CoLA-RL setup: train = in_domain_train, test = in_domain_dev.
/// </summary>
public sealed record ColaSplitInfo(ColaSplit Split, string FileStem, int Rows, int Acceptable, int Unacceptable)
{
    public const ColaSplit PaperTrain = ColaSplit.InDomainTrain;
    public const ColaSplit PaperTest = ColaSplit.InDomainDev;

    public string FileName => FileStem + ".tsv";

    public static ColaSplitInfo For(ColaSplit split) => split switch
    {
        ColaSplit.InDomainTrain => new(split, "in_domain_train", 8551, 6023, 2528),
        ColaSplit.InDomainDev => new(split, "in_domain_dev", 527, 365, 162),
        ColaSplit.OutOfDomainDev => new(split, "out_of_domain_dev", 516, 354, 162),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown CoLA split"),
    };

    public static IReadOnlyList<ColaSplitInfo> All { get; } =
        [For(ColaSplit.InDomainTrain), For(ColaSplit.InDomainDev), For(ColaSplit.OutOfDomainDev)];
}
