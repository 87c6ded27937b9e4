namespace Reproduction.Data;

/// <summary>
/// One CoLA row: the four release columns plus the 1-based line it came from.
/// <para><see cref="Label"/> is 1 (acceptable) or 0 (unacceptable); <see cref="Unlabeled"/> (-1, Hugging Face's
/// convention) only for the GLUE test file. <see cref="OriginalMark"/> is the author's judgement column kept
/// verbatim (empty, <c>*</c>, <c>?*</c>, <c>*?</c>, <c>??</c>; twice it disagrees with the label, and the label wins).</para>
/// Synthetic examples use the same shape, so task formatting is shared.
/// </summary>
public sealed record ColaExample(string Source, int Label, string OriginalMark, string Sentence, int Line)
{
    public const int Acceptable = 1;
    public const int Unacceptable = 0;
    public const int Unlabeled = -1;

    public bool IsLabeled => Label is Acceptable or Unacceptable;
    public bool IsAcceptable => Label == Acceptable;
}
