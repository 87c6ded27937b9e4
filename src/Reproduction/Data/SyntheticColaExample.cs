namespace Reproduction.Data;

/// <summary>
/// A generated example: the shared <see cref="ColaExample"/> shape (source <c>syn</c> or <c>syn-{rule}</c>, mark
/// <c>*</c> when unacceptable), the rule that made it, and the acceptable sentence it was made from (itself when
/// acceptable).
/// </summary>
public sealed record SyntheticColaExample(ColaExample Example, SyntheticRule Rule, string AcceptableSource);
