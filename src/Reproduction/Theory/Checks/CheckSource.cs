namespace Reproduction.Theory.Checks;

/// <summary>Where a checked statement comes from: the paper (v1), derived for this project, or a speculative v2 template.</summary>
public enum CheckSource { Paper, Derived, Speculative }
