using System.Security.Cryptography;
using System.Text;

namespace Reproduction;

/// <summary>
/// Every seed the program derives, in one place. Experiments derive theirs from the run seed and what the stream is for
/// (<see cref="Derive"/>: pipeline, stage, purpose), so two purposes never share a random stream by accident and adding
/// one changes no other. The streams inside a trainer, an evaluation, the theory checks and the frontier statistics are
/// the arithmetic below, each named for its stream; their values are part of every recorded result, so changing one
/// changes the numbers the docs and baselines hold.
/// </summary>
public static class Seeds
{
    /// <summary>A 31-bit seed for <paramref name="purpose"/> (e.g. "base/phase-0") under run seed <paramref name="seed"/>.</summary>
    public static int Derive(int seed, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{purpose}"));
        return (int)(BitConverter.ToUInt32(hash, 0) & 0x7fff_ffff);
    }

    /// <summary>The stream of a base recipe's probe sentences, apart from its corpus stream <paramref name="corpusSeed"/>.</summary>
    public static ulong BaseProbe(ulong corpusSeed) => (ulong)Derive(unchecked((int)corpusSeed), "base/probe-sentences");

    /// <summary>GRPO's rollout generator at a step: a pure function of (trainer seed, step), so resuming replays the same samples.</summary>
    public static ulong GrpoRollout(int trainerSeed, long step) => (ulong)trainerSeed * 1_000_003UL + (ulong)step;

    /// <summary>The SplitMix64 state that shuffles the data for an epoch (<see cref="Training.DataOrder"/>).</summary>
    public static ulong DataOrder(long seed, int epoch) => (ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(epoch + 1) * 0xD1B54A32D192ED03UL;

    /// <summary>The generator of the <paramref name="batch"/>-th batch of a sampled evaluation seeded with <paramref name="seed"/>.</summary>
    public static ulong SamplingBatch(ulong seed, int batch) => seed + (ulong)batch * 7919UL;

    /// <summary>A diagnosis' side view (1: the SFT prompt format, 2: the training sentences, 3: answers after the start checkpoint's thinking) after its headline sampling with <paramref name="seed"/>.</summary>
    public static ulong DiagnosisView(ulong seed, int view) => seed + (ulong)view;

    /// <summary>The theory bridge's samples of prompt set <paramref name="set"/> at a step of a pipeline of seed <paramref name="seed"/>.</summary>
    public static ulong BridgeSample(int seed, int step, int set) => (ulong)seed * 1_000_000_007UL + (ulong)step * 1009UL + (ulong)set * 17UL + 424242UL;

    /// <summary>The instance sampler of theory statement <paramref name="id"/> under `repro theory --seed`.</summary>
    public static int TheoryStatement(int seed, string id)
    {
        unchecked
        {
            int h = (int)2166136261;                                               // FNV-1a of the id: stable across runs
            foreach (var c in id) h = (h ^ c) * 16777619;
            return seed * 31 + h;
        }
    }

    /// <summary>The bootstrap of measure <paramref name="measure"/> of the <paramref name="schedule"/>-th schedule of a frontier summary.</summary>
    public static int ScheduleBootstrap(int seed, int schedule, int measure) => seed + 1000 * schedule + measure;

    /// <summary>The bootstrap of the <paramref name="comparison"/>-th pairwise probability of improvement of a frontier summary.</summary>
    public static int PairwiseBootstrap(int seed, int comparison) => seed + 1_000_000 + comparison;
}
