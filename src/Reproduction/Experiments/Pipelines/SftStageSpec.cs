using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Sft;

namespace Reproduction.Experiments.Pipelines;

/// <summary>
/// An SFT stage (TRL's SFTTrainer) with its options (seed included). From the base (global step 0) the trainer itself
/// measures the SFT-test CE at step 0 and at every evaluation (Fig. 3a's first stage); after another stage the
/// measurements are taken at the trainer's evaluation points (Fig. 3b's second stage).
/// </summary>
public sealed record SftStageSpec(SftOptions Options) : StageSpec
{
    public override string Name => "sft";
    public override bool Bridged => true;
    public override int PlannedSteps(StudyContext ctx) => SftTrainer.StepsFor(Options, ctx.SftTrain.Count);

    public override JsonObject Identity(StudyContext ctx) => new() { ["kind"] = "sft", ["options"] = JsonSerializer.SerializeToNode(Options) };

    public override StageResult Run(StageRun r)
    {
        var (ctx, t) = (r.Context, r.Tracker);
        if (r.Offset == 0)
        {
            t.Rewards(0);
            var first = new SftTrainer(t.Model, Options, ctx.SftTrain, r.Measure.Ce ? ctx.SftTest : null, ctx.Encoder.PadId)
            {
                Metrics = r.Metrics,
                OnStep = m =>
                {
                    if (m.EvalCe is { } v) t.AddCe(m.Step, v);
                    ctx.CheckMemory($"SFT step {m.Step} of {r.Pipeline.Id} (seed {r.Seed})");
                },
                OnEval = step => { t.Rewards(step); r.Observe(step); },
            };
            first.Train();
            return new StageResult(first.TotalSteps);
        }
        var sft = new SftTrainer(t.Model, Options, ctx.SftTrain, null, ctx.Encoder.PadId)
        {
            StepOffset = r.Offset, Metrics = r.Metrics, OnEval = r.Evaluate,
            OnStep = m => ctx.CheckMemory($"SFT step {m.Step} of {r.Pipeline.Id} (seed {r.Seed})"),
        };
        sft.Train();
        return new StageResult(sft.TotalSteps);
    }
}
