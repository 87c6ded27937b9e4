using System.CommandLine;
using Reproduction.IO;
using Reproduction.Qwen3;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>`repro convert --model DIR --out DIR --dtype bfloat16|float32 [--max-shard-size 2GB] [--overwrite]`: re-saves a checkpoint (atomically).</summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "HF model folder to read", Required = true };
        var output = new Option<string>("--out") { Description = "Folder to write (config, generation config, weights, tokenizer files)", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Weight dtype: bfloat16, float32 or float64", Required = true };
        var shard = new Option<string>("--max-shard-size") { Description = "Shard limit, as transformers reads it (5GB, 500MB, 1GiB)", DefaultValueFactory = _ => "5GB" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing output folder" };
        var cmd = new Command("convert", "Re-save a checkpoint in another dtype and/or shard size") { model, output, dtype, shard, overwrite };
        cmd.SetAction(p => Run(p.GetValue(model)!, p.GetValue(output)!, p.GetValue(dtype)!, p.GetValue(shard)!, p.GetValue(overwrite), Console.Out));
        return cmd;
    }

    public static int Run(string modelDir, string outDir, string dtypeName, string maxShardSize, bool overwrite, TextWriter output)
    {
        var dtype = DtypeNames.Parse(dtypeName);
        if (dtype == ScalarType.Float16) throw new ReproException("--dtype: float16 is not supported; use bfloat16, float32 or float64");
        long maxShard = ByteSize.Parse(maxShardSize);
        if (Path.GetFullPath(outDir).TrimEnd('/') == Path.GetFullPath(modelDir).TrimEnd('/'))
            throw new ReproException("--out: must differ from --model");
        // Loading in the target dtype converts tensor by tensor (round-to-nearest-even for bfloat16).
        using var model = Qwen3ForCausalLM.FromPretrained(modelDir, dtype);
        model.SavePretrained(outDir, dtype, maxShard, sourceFolder: modelDir, overwrite: overwrite);
        output.WriteLine($"wrote {outDir} ({DtypeNames.HfName(dtype)}, {model.NamedWeights().Count} tensors)");
        return 0;
    }
}
