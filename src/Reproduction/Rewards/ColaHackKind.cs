namespace Reproduction.Rewards;

/// <summary>How a completion games the public strict CoLA reward's greedy regex (cpu-study-findings.md §1).</summary>
public enum ColaHackKind
{
    /// <summary>Not a hack: the faithful and the fixed strict rewards agree.</summary>
    None,
    /// <summary>An extra `</think>` makes an empty or malformed think block look non-empty, e.g. `<think>\n\n</think>\n\n</think>\n\nacceptable`.</summary>
    ExtraThinkClose,
    /// <summary>A label word sits after the first `</think>` but inside the greedy block, e.g. `<think>\n\n</think>\n\nacceptable</think>\n\nacceptable`.</summary>
    LabelInsideThink,
}
