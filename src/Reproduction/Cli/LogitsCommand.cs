using System.CommandLine;
using System.Text.Json;
using Reproduction.IO;
using Reproduction.Qwen3;
using Reproduction.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>`repro logits --model DIR --ids "1,2,3;4,5" [--dtype …] [--left-pad]`: prints `{"shape":[B,T,V],"logits":[…row-major…]}`.</summary>
public static class LogitsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "HF model folder (config.json + safetensors)", Required = true };
        var ids = new Option<string>("--ids") { Description = "Token ids: rows separated by ';', ids by ','", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "Compute dtype: float32, bfloat16 or float64", DefaultValueFactory = _ => "float32" };
        var leftPad = new Option<bool>("--left-pad") { Description = "Rows of different lengths: left-pad with the pad id and mask the pads (HF forward positions, arange(T))" };
        var cmd = new Command("logits", "Print the logits of a forward pass as JSON") { model, ids, dtype, leftPad };
        cmd.SetAction(p => Run(p.GetValue(model)!, p.GetValue(ids)!, p.GetValue(dtype)!, p.GetValue(leftPad), Console.Out));
        return cmd;
    }

    public static int Run(string modelDir, string idsText, string dtypeName, bool leftPad, TextWriter output)
    {
        var dtype = DtypeNames.Parse(dtypeName);
        if (dtype == ScalarType.Float16) throw new ReproException("--dtype: float16 compute is not supported; use float32, bfloat16 or float64");
        using var model = Qwen3ForCausalLM.FromPretrained(modelDir, dtype);
        var rows = TokenIdsArgument.Parse(idsText, model.Config.VocabSize);
        bool ragged = rows.Any(r => r.Length != rows[0].Length);
        if (ragged && !leftPad) throw new ReproException("--ids: rows have different lengths; pass --left-pad to pad them on the left and mask the pads");

        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var pad = TokenGenerator.PadId(model, new SamplingOptions());
        var (input, mask) = TokenGenerator.LeftPad(rows, pad);
        var logits = model.Forward(input, ragged ? mask : null).Logits!;

        JsonOutput.Write(output, json =>
        {
            json.WriteStartObject();
            json.WriteStartArray("shape");
            foreach (var d in logits.shape) json.WriteNumberValue(d);
            json.WriteEndArray();
            if (ragged)
            {
                json.WriteStartArray("attention_mask");
                foreach (var v in mask.data<long>()) json.WriteNumberValue(v);
                json.WriteEndArray();
            }
            json.WriteStartArray("logits");
            if (dtype == ScalarType.Float64)
                foreach (var v in logits.contiguous().data<double>()) json.WriteNumberValue(v);
            else
                foreach (var v in logits.to(ScalarType.Float32).contiguous().data<float>()) json.WriteNumberValue(v);
            json.WriteEndArray();
            json.WriteEndObject();
        });
        return 0;
    }
}
