namespace Reproduction.Data;

/// <summary>How a synthetic sentence was made: <see cref="None"/> for an acceptable one, otherwise the rule that broke
/// an acceptable source sentence (see <see cref="SyntheticColaGenerator"/> for each rule's exact edit).</summary>
public enum SyntheticRule
{
    None,
    SubjectVerbAgreement,
    DeterminerNounAgreement,
    WordOrderSwap,
    MissingArgument,
    ExtraArgument,
    WrongAuxiliary,
}
