using System.CommandLine;
using Reproduction.Experiments;

namespace Reproduction.Cli;

/// <summary>`--bridge` and its sizes, shared by `frontier` and `ablate`: measure Theorem 3.1's and Proposition 1's quantities along each second stage.</summary>
public sealed class BridgeOptionsArguments
{
    public readonly Option<bool> Enabled = new("--bridge") { Description = "Measure the theory bridge (C1, KL(p1‖p2), KL(p2‖p1), ΔJ; bridge.json/md/png)" };
    public readonly Option<int> Prompts = new("--bridge-prompts") { Description = "Prompts per bridge prompt set", DefaultValueFactory = _ => new BridgeOptions().Prompts };
    public readonly Option<int> Samples = new("--bridge-samples") { Description = "Responses sampled per prompt (T 1) for the KL and reward estimates", DefaultValueFactory = _ => new BridgeOptions().Samples };
    public readonly Option<int> Checkpoints = new("--bridge-checkpoints") { Description = "Bridge checkpoints per second stage", DefaultValueFactory = _ => new BridgeOptions().Checkpoints };

    public static BridgeOptionsArguments Create() => new();

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Enabled);
        cmd.Options.Add(Prompts);
        cmd.Options.Add(Samples);
        cmd.Options.Add(Checkpoints);
    }

    public BridgeOptions? Get(ParseResult parse, bool force = false)
    {
        if (!force && !parse.GetValue(Enabled)) return null;
        int Positive(Option<int> o) => parse.GetValue(o) is var v && v > 0 ? v : throw new ReproException($"{o.Name}: must be a positive integer, got {parse.GetValue(o)}");
        return new BridgeOptions { Prompts = Positive(Prompts), Samples = Positive(Samples), Checkpoints = Positive(Checkpoints) };
    }
}
