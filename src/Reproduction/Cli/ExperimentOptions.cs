using System.CommandLine;
using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.Qwen3;
using Reproduction.Text;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>
/// The options `sft`, `grpo` and `eval` share: where the model comes from (`--model DIR`, a Hugging Face folder,
/// with `vocab_subset.json` for tiny models; or `--preset NAME`, whose base model is built as the study builds it),
/// the data (`--data cola|synthetic|PATH`), the seed and the compute dtype. With both, the preset gives the data and the
/// options and the folder gives the weights (e.g. GRPO from the SFT output of the same preset).
/// </summary>
public sealed class ExperimentOptions
{
    public readonly Option<string?> Model = new("--model") { Description = "Hugging Face model folder to start from" };
    public readonly Option<string?> Preset = new("--preset") { Description = "Preset name or path (its base model and settings)" };
    public readonly Option<string?> Data = new("--data") { Description = "cola (the paper's splits, shipped), synthetic, or a CoLA release/GLUE folder (default: the preset's data, else cola)" };
    public readonly Option<bool> Lenient = new("--lenient") { Description = "Skip (and count) malformed rows of a --data folder instead of stopping" };
    public readonly Option<int> Seed = new("--seed") { Description = "Seed (data order, sampling, the preset's base model)", DefaultValueFactory = _ => 1 };
    public readonly Option<string?> Dtype = new("--dtype") { Description = "Weights and compute dtype: float32, bfloat16 or float64 (default: the preset's model.dtype, else float32)" };

    /// <summary>--dtype as an HF name (refused unless float32, bfloat16 or float64); null when not given.</summary>
    public string? DtypeName(ParseResult parse) =>
        parse.GetValue(Dtype) is { } name ? IO.DtypeNames.HfName(IO.DtypeNames.ParseTraining(name, "--dtype")) : null;

    public void AddTo(Command cmd)
    {
        cmd.Options.Add(Model);
        cmd.Options.Add(Preset);
        cmd.Options.Add(Data);
        cmd.Options.Add(Lenient);
        cmd.Options.Add(Seed);
        cmd.Options.Add(Dtype);
    }

    /// <summary>The preset (if any), the split, the encoder and the starting model.</summary>
    public (StudyPreset? Preset, List<ColaExample> Train, List<ColaExample> Test, ColaTaskEncoder Encoder, Qwen3ForCausalLM Model) Resolve(ParseResult parse, Action<string> log)
    {
        var modelDir = parse.GetValue(Model);
        var presetName = parse.GetValue(Preset);
        if (modelDir is null && presetName is null) throw new ReproException("give --model DIR, --preset NAME, or both");
        var dtype = DtypeName(parse);
        var preset = presetName is null ? null : StudyPreset.Load(presetName);
        if (preset is not null && dtype is not null) preset = preset with { Model = preset.Model with { Dtype = dtype } };
        var (train, test) = TaskSetup.LoadData(preset?.Data ?? new DataSpec { Kind = "cola" }, parse.GetValue(Data), parse.GetValue(Lenient), log);
        int seed = parse.GetValue(Seed);
        if (preset is not null && modelDir is null)
        {
            var encoder = TaskSetup.Encoder(preset, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, train.Concat(test).ToList());
            return (preset, train, test, encoder, TaskSetup.BaseModel(preset, encoder, train, seed, null, log));
        }
        var weights = IO.DtypeNames.ParseTraining(dtype ?? preset?.Model.Dtype ?? "float32", dtype is null ? $"preset {preset?.Name}: model.dtype" : "--dtype");
        var model = Qwen3ForCausalLM.FromPretrained(modelDir!, weights, cuda_is_available() ? CUDA : CPU);
        return (preset, train, test, TaskSetup.EncoderForModel(modelDir!), model);
    }
}
