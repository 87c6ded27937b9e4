namespace Reproduction.Theory.Checks;

/// <summary>Holds: no generated case violates the statement. Refuted: a case violates it (only expected for the paper's errors).</summary>
public enum Verdict { Holds, Refuted }
