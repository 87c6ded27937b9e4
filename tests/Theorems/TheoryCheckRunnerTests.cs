using System.Text.Json;
using Reproduction.Cli;
using Reproduction.Theory;
using Reproduction.Theory.Checks;
using Reproduction.Theory.Statements;

namespace Repro.Tests.Theorems;

/// <summary>`repro theory`: the library's check runner reports every id with its expected verdict, in the documented JSON shape.</summary>
public sealed class TheoryCheckRunnerTests
{
    private static readonly Lazy<IReadOnlyList<TheoryCheckResult>> Results = new(() => TheoryChecks.RunAll());

    public static TheoryData<string, string> RequiredIds => new()
    {
        { "lemma1-chain-rule", "holds" }, { "lemma1-sum-vs-mean", "holds" }, { "tv-expectation-bound", "holds" },
        { "eq5-as-printed", "refuted" }, { "pinsker", "holds" }, { "closed-form-optimal", "holds" }, { "closed-form-gap", "holds" },
        { "closed-form-support", "holds" }, { "closed-form-beta-monotone", "holds" }, { "thm31-identity", "holds" },
        { "thm31-nonnegative", "holds" }, { "thm31-equality-iff", "holds" }, { "thm31-hoeffding-bound", "holds" },
        { "thm31-beta-monotone", "holds" }, { "thm31-negative-without-optimality", "holds" }, { "thm31-point-mass-zero", "holds" },
        { "prop1-bound", "holds" }, { "prop1-tight", "holds" }, { "thm41-as-stated", "refuted" }, { "thm41-regularised", "holds" },
        { "thm41-decomposition", "holds" }, { "grpo-tabular-sft-then-rl", "holds" }, { "grpo-tabular-rl-then-sft", "holds" },
    };

    [Theory]
    [MemberData(nameof(RequiredIds))]
    public void Every_required_check_id_is_reported_with_its_expected_verdict(string id, string verdict)
    {
        var r = Assert.Single(Results.Value, r => r.Id == id);
        Assert.Equal(verdict, TheoryReport.VerdictName(r.Verdict));
        Assert.Equal(verdict, TheoryReport.VerdictName(r.ExpectedVerdict));
        Assert.True(r.Cases >= 1);
    }

    [Fact]
    public void Every_check_meets_its_expected_verdict_so_the_exit_code_is_0()
    {
        Assert.All(Results.Value, r => Assert.True(r.AsExpected, $"{r.Id}: {r.Verdict} ≠ expected {r.ExpectedVerdict}: {r.Detail}"));
        Assert.Equal(0, TheoryReport.ExitCode(Results.Value));
        Assert.Equal(Results.Value.Count, Results.Value.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public void Only_the_papers_errors_are_refuted_and_only_v2_templates_are_speculative()
    {
        Assert.Equal(["eq5-as-printed", "thm31-lead-in-as-printed", "thm41-as-stated"],
            Results.Value.Where(r => r.Verdict == Verdict.Refuted).Select(r => r.Id).Order().ToArray());
        Assert.All(Results.Value.Where(r => r.Verdict == Verdict.Refuted), r => Assert.Equal(CheckSource.Paper, r.Source));
        Assert.All(Results.Value, r => Assert.Equal(r.Id.Contains("speculative"), r.Source == CheckSource.Speculative));
        Assert.All(Results.Value.Where(r => r.Source == CheckSource.Speculative), r => Assert.StartsWith("[speculative", r.Detail));
    }

    [Fact]
    public void The_thm41_detail_carries_the_zero_reward_counterexample_with_its_KL_0_130812()
    {
        var r = Results.Value.Single(r => r.Id == "thm41-as-stated");
        Assert.Contains("r=0", r.Detail);
        Assert.Contains("0.130812", r.Detail);
        Assert.Contains("p2=[(0.75, 0.25)]", r.Detail);
        var eq5 = Results.Value.Single(r => r.Id == "eq5-as-printed");
        Assert.Contains("p=(1, 0), q=(0, 1), f=(1, -1)", eq5.Detail);
    }

    /// <summary>
    /// The harness itself can go red: a copy of thm31-hoeffding-bound with its first inequality flipped (C1 ≥ Hoeffding, false
    /// whenever the reward varies on the data support) is refuted by the runner, whose exit code turns 1, and fails the
    /// property that runs it.
    /// </summary>
    [Fact]
    public void A_statement_with_its_inequality_flipped_is_refuted_by_the_runner_and_fails_its_property()
    {
        var original = Theorem31Statements.Hoeffding;
        var flipped = new Statement<SftThenRlInstance>
        {
            Id = "flipped-" + original.Id, Text = original.Text, Source = original.Source, Expected = Verdict.Holds, Sizes = original.Sizes,
            Instance = original.Instance,
            Sides = i =>
            {
                var bound = original.Evaluate(i).Comparisons[0];
                return new CaseEvaluation().AtMost("C1 ≥ Hoeffding", bound.Rhs, bound.Lhs, () => $"{bound.Lhs} < {bound.Rhs}: {i}");
            },
        };
        var result = flipped.Check(new CheckContext(TheoryChecks.DefaultSeed, 50));
        Assert.Equal(Verdict.Refuted, result.Verdict);
        Assert.Equal(1, TheoryReport.ExitCode([result]));
        Assert.ThrowsAny<Exception>(() => FsCheck.Check.QuickThrowOnFailure(StatementProperties.HoldsOnEveryCase(flipped)));
    }

    [Fact]
    public void The_JSON_report_has_exactly_the_keys_id_statement_source_verdict_cases_worstMargin_detail()
    {
        using var doc = JsonDocument.Parse(TheoryReport.ToJson(Results.Value));
        Assert.Equal(JsonValueKind.Array, doc.RootElement.ValueKind);
        Assert.Equal(Results.Value.Count, doc.RootElement.GetArrayLength());
        foreach (var row in doc.RootElement.EnumerateArray())
        {
            Assert.Equal(["id", "statement", "source", "verdict", "cases", "worstMargin", "detail"], row.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Contains(row.GetProperty("source").GetString(), new[] { "paper", "derived", "speculative" });
            Assert.Contains(row.GetProperty("verdict").GetString(), new[] { "holds", "refuted" });
            Assert.Equal(JsonValueKind.Number, row.GetProperty("cases").ValueKind);
            Assert.Equal(JsonValueKind.Number, row.GetProperty("worstMargin").ValueKind);
        }
    }

    [Fact]
    public void The_theory_verb_prints_JSON_and_exits_0()
    {
        var original = Console.Out;
        using var writer = new StringWriter();
        Console.SetOut(writer);
        int code;
        try { code = ReproCli.Run(["theory", "--json", "--cases", "40"]); }
        finally { Console.SetOut(original); }
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(writer.ToString());
        Assert.Contains(doc.RootElement.EnumerateArray(), row => row.GetProperty("id").GetString() == "thm41-as-stated");
    }
}
