namespace Reproduction.Rewards;

/// <summary>Hack counts over a set of completions (see <see cref="ColaRewardHacks"/>).</summary>
/// <param name="Total">Completions scored.</param>
/// <param name="ExtraThinkClose">Completions classified <see cref="ColaHackKind.ExtraThinkClose"/>.</param>
/// <param name="LabelInsideThink">Completions classified <see cref="ColaHackKind.LabelInsideThink"/>.</param>
public sealed record ColaHackReport(int Total, int ExtraThinkClose, int LabelInsideThink)
{
    /// <summary>All hacks.</summary>
    public int Hacks => ExtraThinkClose + LabelInsideThink;

    /// <summary>Hacks / total (0 for an empty set).</summary>
    public double HackRate => Total == 0 ? 0.0 : (double)Hacks / Total;
}
