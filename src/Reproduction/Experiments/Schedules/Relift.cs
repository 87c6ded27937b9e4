using TorchSharp;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// ReLIFT (Ma et al., arXiv 2506.07527), as TheRoadQaQ/ReLIFT runs it (`relift/verl/verl/relift/trainer.py::fit`,
/// `actor.py::sft_update_policy`): GRPO (advantage r − group mean, no std); a prompt all of whose G rollouts fail goes
/// into a buffer with its demonstration (newest first); when the buffer holds B, the next step is one SFT update on
/// its B newest entries, with its own AdamW, and those leave the buffer. That SFT step is one of the schedule's
/// T = S + R steps; the GRPO steps share the completions of the two-stage pipelines among themselves.
/// </summary>
public sealed class Relift : Schedule
{
    public static readonly ScheduleInfo Entry = new("relift",
        "GRPO; prompts whose whole group fails go to a buffer with their demonstration; at B of them, one SFT update on the buffer",
        "Ma et al., arXiv 2506.07527; TheRoadQaQ/ReLIFT trainer.py fit (sft_data_size)",
        [new ScheduleParameter("buffer_size", 32, 1, 100_000, "B: demonstrations per SFT update (sft_data_size)", Integer: true)], HasSftTerm: true,
        (i, v, w, n) => new Relift { Info = i, Values = v, SftWeight = w, Name = n }) { SweepValues = [16, 64] };

    /// <summary>Training indices of the failed prompts, newest first.</summary>
    private readonly List<int> _buffer = [];
    private long _promptsLeft = -1;

    public override Grpo.GrpoOptions AdvantageOptions(Grpo.GrpoOptions grpo) => grpo with { ScaleRewards = Grpo.ScaleRewards.None };

    /// <summary>A group fails when every sampled completion's reward is at or below <paramref name="fail"/>.</summary>
    public static bool Failed(IEnumerable<double> groupRewards, double fail = -1) => groupRewards.All(r => r <= fail);

    /// <summary>Adds the failed prompts of a step, newest first (ReLIFT prepends), and takes B newest when the buffer holds B.</summary>
    public static List<int>? Push(List<int> buffer, IEnumerable<int> failed, int size)
    {
        buffer.InsertRange(0, failed);
        if (buffer.Count < size) return null;
        var taken = buffer.Take(size).ToList();
        buffer.RemoveRange(0, size);
        return taken;
    }

    private List<int>? _pending;

    public override int TotalSteps(ScheduleShape shape) => shape.TotalSteps;

    public override StepPlan Plan(int step, ScheduleShape shape)
    {
        if (_promptsLeft < 0) _promptsLeft = shape.Completions / shape.Generations;
        if (_pending is { } demos)
        {
            _pending = null;
            return new StepPlan("relift-sft", 0, 0, demos);
        }
        int stepsLeft = TotalSteps(shape) - step + 1;
        int prompts = (int)((_promptsLeft + stepsLeft - 1) / stepsLeft);
        _promptsLeft -= prompts;
        return new("rl", prompts, 0);
    }

    public override ScheduleLoss Loss(ScheduleStep s)
    {
        if (s.Phase == "relift-sft") return new(StreamSft(s), s.StreamDemos.Count, new Dictionary<string, double>());
        var failed = Enumerable.Range(0, s.Prompts.Count).Where(k => Failed(s.Rewards.Skip(k * s.GroupSize).Take(s.GroupSize))).Select(k => s.Prompts[k]).ToList();
        _pending = Push(_buffer, failed, (int)this["buffer_size"]);
        return new(s.GrpoTerm(), 0, new Dictionary<string, double> { ["relift/failed_prompts"] = failed.Count, ["relift/buffer"] = _buffer.Count });
    }
}
