using System.Globalization;
using Reproduction;
using Reproduction.Experiments.Schedules;

namespace Repro.Tests.Schedules;

/// <summary>
/// `repro frontier --schedules`: every schedule is found by name with its published defaults; a spec sets the main
/// parameter (`joint:0.5`) or named ones (`chord-mu:mu_peak=0.5`) and names the run by what differs from the defaults;
/// `dft` is SFT-then-RL with DFT's token weight; bad specs end with a message naming the schedule and the problem.
/// </summary>
public sealed class ScheduleCatalogTests
{
    public static TheoryData<string> Families() => new(ScheduleCatalog.Entries.Select(e => e.Family));

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_catalogue_entry_parses_by_name_with_its_defaults(string family)
    {
        var s = ScheduleCatalog.Parse(family);
        var entry = ScheduleCatalog.Find(family);
        Assert.Same(entry, s.Info);
        Assert.Equal(family, s.Name);
        Assert.Equal(family, ScheduleCatalog.FamilyOf(s));
        Assert.Equal(entry.Parameters.Count, s.Values.Count);
        foreach (var p in entry.Parameters) Assert.Equal(p.Default, s[p.Name]);
        Assert.Equal(family == "chord-phi" ? SftTokenWeight.Phi : SftTokenWeight.Nll, s.SftWeight);
    }

    [Fact]
    public void Published_defaults_are_the_papers()
    {
        Assert.Equal(1.0, ScheduleCatalog.Parse("joint")["lambda"]);
        Assert.Equal(10, ScheduleCatalog.Parse("interleaved")["k"]);
        var mu = ScheduleCatalog.Parse("chord-mu");
        Assert.Equal([0.9, 0.05, 0, 200], [mu["mu_peak"], mu["mu_valley"], mu["mu_warmup_steps"], mu["mu_decay_steps"]]);
        Assert.Equal(0.1, ScheduleCatalog.Parse("chord-phi")["mu"]);
        Assert.Equal(0, ScheduleCatalog.Parse("hpt")["gamma"]);
        Assert.Equal(1.0, ScheduleCatalog.Parse("hpt")["sft_loss_coef"]);
        Assert.Equal(0.1, ScheduleCatalog.Parse("luffy")["shaping_gamma"]);
        Assert.Equal(32, ScheduleCatalog.Parse("relift")["buffer_size"]);
        Assert.Equal(0.5, ScheduleCatalog.Parse("srft")["sft_weight"]);
        Assert.Equal(0.1, ScheduleCatalog.Parse("srft")["rl_weight"]);
    }

    [Fact]
    public void All_gives_the_thirteen_schedules_once_each()
    {
        var names = ScheduleCatalog.ParseList("all").Select(s => s.Name).ToList();
        Assert.Equal(["sft-then-rl", "rl-then-sft", "joint", "interleaved", "chord-mu", "chord-phi", "hpt", "luffy", "relift", "srft", "dft", "sft-only", "rl-only"], names);
    }

    [Fact]
    public void A_bare_value_sets_the_main_parameter()
    {
        var joint = ScheduleCatalog.Parse("joint:0.5");
        Assert.Equal(0.5, joint["lambda"]);
        Assert.Equal("joint:lambda=0.5", joint.Name);
    }

    [Fact]
    public void A_named_parameter_is_set_and_names_the_run()
    {
        var chord = ScheduleCatalog.Parse("chord-mu:mu_peak=0.5");
        Assert.Equal(0.5, chord["mu_peak"]);
        Assert.Equal(0.05, chord["mu_valley"]);
        Assert.Equal("chord-mu:mu_peak=0.5", chord.Name);
        Assert.Equal("chord-mu", ScheduleCatalog.FamilyOf(chord));
    }

    [Fact]
    public void Dft_is_sft_then_rl_with_the_dft_weight_and_reports_its_own_family()
    {
        var dft = ScheduleCatalog.Parse("dft");
        Assert.Same(TwoStage.SftThenRlEntry, dft.Info);
        Assert.True(((TwoStage)dft).SftFirst);
        Assert.Equal(SftTokenWeight.Dft, dft.SftWeight);
        Assert.Equal("dft", dft.Name);
        Assert.Equal("dft", ScheduleCatalog.FamilyOf(dft));
    }

    [Fact]
    public void Sft_loss_switches_the_sft_term_of_a_schedule_that_has_one()
    {
        var joint = ScheduleCatalog.Parse("joint:sft_loss=dft");
        Assert.Equal(SftTokenWeight.Dft, joint.SftWeight);
        Assert.Equal("joint:sft_loss=dft", joint.Name);
    }

    [Theory]
    [InlineData("nope", "unknown schedule 'nope'")]
    [InlineData("joint:beta=1", "joint has no parameter 'beta'")]
    [InlineData("chord-mu:mu_peak=1.5", "mu_peak = 1.5 is outside [0, 1]")]
    [InlineData("hpt:gamma=-1", "gamma = -1 is outside")]
    [InlineData("interleaved:k=2.5", "k must be an integer")]
    [InlineData("relift:buffer_size=0.5", "buffer_size")]
    [InlineData("luffy:sft_loss=dft", "luffy has no SFT term")]
    [InlineData("chord-phi:sft_loss=dft", "chord-phi has no SFT term")]
    [InlineData("joint:sft_loss=phi", "sft_loss 'phi' is not one of nll, dft")]
    [InlineData("joint:lambda=abc", "lambda must be a number")]
    [InlineData("sft-then-rl:3", "sft-then-rl has no parameters")]
    public void A_bad_spec_fails_with_a_message_naming_the_schedule_and_the_problem(string spec, string problem)
    {
        var e = Assert.Throws<ReproException>(() => ScheduleCatalog.Parse(spec));
        Assert.Contains(spec.Split(':')[0], e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void An_empty_list_is_an_error()
    {
        var e = Assert.Throws<ReproException>(() => ScheduleCatalog.ParseList(" , "));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void A_sweep_adds_the_main_parameters_sweep_values()
    {
        var names = ScheduleCatalog.ParseList("joint", sweep: true).Select(s => s.Name).ToList();
        Assert.Equal(["joint", "joint:lambda=0.1", "joint:lambda=0.3", "joint:lambda=3"], names);
    }

    [Fact]
    public void Help_names_every_schedule_and_every_parameter_with_its_default()
    {
        var help = ScheduleCatalog.Help();
        foreach (var e in ScheduleCatalog.Entries)
        {
            Assert.Contains($"  {e.Family}: ", help);
            foreach (var p in e.Parameters)
                Assert.Contains($"{p.Name} = {p.Default.ToString(CultureInfo.InvariantCulture)} in", help);
        }
        Assert.Contains("  dft: sft-then-rl:sft_loss=dft", help);
        Assert.Contains("sft_loss = nll", help);
        Assert.Contains("  all: " + string.Join(", ", ScheduleCatalog.All), help);
    }
}
