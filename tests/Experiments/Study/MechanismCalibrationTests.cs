using Reproduction.Experiments;
using Reproduction.Reporting;

namespace Repro.Tests.Study;

/// <summary>
/// The mechanism table is an instrument, so it is calibrated on planted causes: with SFT targets written in the RL
/// format (no format mismatch) its format row is zero; with SFT labels drawn from the label prior instead of the
/// truth, the drop is there in either prompt format and after GRPO's own thinking, and the forgetting and calibration rows carry it.
/// </summary>
public sealed class MechanismCalibrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("repro-planted-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    private IReadOnlyList<MechanismRow> DropRows(SftDataSpec sftData)
    {
        var preset = StudyPreset.Load("tiny-smoke");
        var report = new StudyRunner(preset with { SftData = sftData, Sft = preset.Sft with { MaxSteps = 80 } }, Path.Combine(_dir, $"{sftData.Format}-{sftData.Labels}"), [1], _ => { }).Run();
        var seed = Assert.Single(report.Mechanisms!["per_seed"]!.AsArray())!.AsObject();
        return Mechanisms.FromJson(seed[Mechanisms.RlThenSft]!.AsArray());
    }

    private static double Share(IReadOnlyList<MechanismRow> rows, string id) => rows.Single(r => r.Id == id).AccountsFor ?? 0;

    [Fact]
    public void With_SFT_targets_in_the_RL_format_the_format_row_accounts_for_nothing()
    {
        var rows = DropRows(new SftDataSpec { Format = "rl" });
        Assert.Equal(0.0, Share(rows, "format"), 12);
    }

    [Fact]
    public void With_SFT_labels_from_the_prior_the_drop_is_carried_by_forgetting_and_calibration_not_by_format_or_thinking()
    {
        var rows = DropRows(new SftDataSpec { Labels = "prior" });
        var drop = rows.Single(r => r.Id == "robust").Change;
        Assert.True(drop < -0.1, $"SFT on prior labels should lower robust mean@1, got {drop:+0.000;-0.000}");
        Assert.True(Share(rows, "format") < 0.5, $"format accounts for {Share(rows, "format"):P0} of a drop planted in the labels");
        Assert.True(Share(rows, "thinking") < 0.5, $"thinking accounts for {Share(rows, "thinking"):P0} of a drop planted in the labels");
        Assert.InRange(Share(rows, "forgetting") + Share(rows, "calibration"), 0.9, 1.1);
    }
}
