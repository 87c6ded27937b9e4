using Reproduction.Data;
using Reproduction.Experiments;
using Reproduction.Text;

namespace Repro.Tests.Reliability;

/// <summary>
/// The tiny-smoke preset's base model, built once per test process and saved as a model folder, so the child
/// processes start from `--preset tiny-smoke --model BASE` (the preset gives data and options, the folder the
/// weights) instead of pre-training the base again at every start.
/// </summary>
public static class TinySmokeBase
{
    private static readonly Lazy<string> Folder = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Path => Folder.Value;

    private static string Build()
    {
        var root = Directory.CreateTempSubdirectory("repro-tiny-smoke-base-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(root, true); } catch (IOException) { } };
        var dir = System.IO.Path.Combine(root, "base");
        var preset = StudyPreset.Load("tiny-smoke");
        var (train, test) = TaskSetup.LoadData(preset.Data, "synthetic");
        var encoder = TaskSetup.Encoder(preset, Qwen3Tokenizer.LoadDefault(), ColaTaskFormatter.ColaRl, train.Concat(test).ToList());
        using var model = TaskSetup.BaseModel(preset, encoder, train, seed: 1, metricsDir: null, log: _ => { });
        TaskSetup.SaveModel(model, encoder, dir);
        return dir;
    }
}
