using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// `--compare-pytorch`: writes each shape's seeded float32 weights with SavePretrained, runs
/// bench/pytorch_reference.py on them (same model math, same grid points, same thread count), first checks that the
/// two implementations agree (float32 logits of every position of a fixed 2 × 16 input, max |diff| printed), then
/// reports PyTorch's figures and ours ÷ PyTorch for every figure both measured in this run. Without a Python that
/// imports torch it prints why and adds nothing.
/// </summary>
public static class PytorchComparison
{
    public const string Name = "pytorch";

    public static string ScriptPath()
    {
        foreach (var dir in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
            for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
            {
                var p = Path.Combine(d.FullName, "bench", "pytorch_reference.py");
                if (File.Exists(p)) return p;
            }
        throw new ReproException("--compare-pytorch: bench/pytorch_reference.py not found beside the program or above the current directory");
    }

    /// <summary>The first interpreter that imports torch: the given one, then /usr/bin/python3 (Debian's python3-torch); null if none.</summary>
    public static string? FindPython(string preferred)
    {
        foreach (var candidate in new[] { preferred, "/usr/bin/python3" }.Distinct())
        {
            try
            {
                var (rc, _, _) = RunProcess(candidate, ["-c", "import torch"]);
                if (rc == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    public static IEnumerable<BenchCommand.Figure> Run(BenchSettings s, IReadOnlyList<BenchCommand.Figure> ours, string python, Action<string> note)
    {
        var interpreter = FindPython(python);
        if (interpreter is null)
        {
            note($"--compare-pytorch: skipped — neither '{python}' nor /usr/bin/python3 can import torch (Debian: apt-get install -y python3-torch libopenblas0-pthread)");
            yield break;
        }
        var script = ScriptPath();
        foreach (var shape in s.Shapes())
        {
            var folder = Path.Combine(Path.GetTempPath(), $"repro-bench-pytorch-{shape.Name.Replace('/', '-')}");
            using (var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, ScalarType.Float32))
                model.SavePretrained(folder, ScalarType.Float32, overwrite: true);
            var idsPath = Path.Combine(folder, "check_ids.json");
            var outPath = Path.Combine(folder, "check_logits.f32");
            var checkIds = ForwardBenchmark.RandomIds(shape.Config.VocabSize, 2, 16, 5);
            File.WriteAllText(idsPath, JsonSerializer.Serialize(Enumerable.Range(0, 2).Select(r => checkIds[r].data<long>().ToArray())));

            string Points(IEnumerable<string> xs) => string.Join(",", xs);
            var forward = ForwardBenchmark.Grid(s.Quick).Select(p => $"{p.Batch}x{p.Length}");
            var (tb, tt, tc) = TrainStepBenchmark.Point(shape, s.Quick);
            var generate = new List<string>();
            foreach (var b in GenerationBenchmark.Batches(s.Quick))
                foreach (var n in GenerationBenchmark.NewTokens(s.Quick))
                {
                    double flops = ModelFlops.Generation(shape.Config, b, GenerationBenchmark.PromptLength, n, true);
                    if (flops <= s.GenerationFlopBudget) generate.Add($"{b}x{n}@{GenerationBenchmark.RepetitionsFor(s, shape, b, n, true)}");
                }
            string[] args = [script, "--model", folder, "--shape", shape.Name, "--reps", s.Reps.ToString(), "--threads", torch.get_num_threads().ToString(),
                "--forward", Points(forward), "--train", $"{tb}x{tt}x{tc}", "--generate", Points(generate), "--check-ids", idsPath, "--check-out", outPath];
            Console.Error.WriteLine($"bench: {interpreter} {string.Join(' ', args)}");
            var (rc, stdout, stderr) = RunProcess(interpreter, args);
            if (rc != 0) throw new ReproException($"--compare-pytorch: the reference failed (exit {rc}): {stderr.Trim()}");
            var doc = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
            note($"--compare-pytorch {shape.Name}: torch {doc["torch"]}, {doc["threads"]} threads, BLAS {doc["blas_library"]} ({(doc["config"]!.GetValue<string>().Contains("BLAS_INFO=generic", StringComparison.Ordinal) ? "BLAS_INFO=generic: the libblas.so.3 alternative" : "see torch.__config__.show()")})");

            // Agreement first: float32 logits of every position on the same input.
            using (var scope = torch.NewDisposeScope())
            using (var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, ScalarType.Float32))
            using (torch.no_grad())
            {
                var logits = model.Forward(checkIds, logitsToKeep: 0).Logits!.to(ScalarType.Float32);
                var bytes = File.ReadAllBytes(outPath);
                var theirs = new float[bytes.Length / 4];
                Buffer.BlockCopy(bytes, 0, theirs, 0, bytes.Length);
                var diff = (logits.reshape(-1) - torch.tensor(theirs)).abs().max().item<float>();
                var scale = logits.abs().max().item<float>();
                yield return Measure.Single(Name, $"{shape.Name} f32 logits max |ours − PyTorch| (2×16, max |logit| {scale:G3})", diff, "abs");
            }

            foreach (var f in doc["figures"]!.AsArray())
            {
                var theirs = f.Deserialize<BenchCommand.Figure>()!;
                yield return theirs with { Workload = $"{Name}/{theirs.Workload}" };
                var mine = ours.FirstOrDefault(o => o.Workload == theirs.Workload && o.Name == theirs.Name);
                if (mine is not null)
                    yield return Measure.Single($"{Name}/ratio", $"{theirs.Workload} {theirs.Name}: ours ÷ PyTorch", mine.Median / theirs.Median, "×");
            }
        }
    }

    private static (int Rc, string Stdout, string Stderr) RunProcess(string exe, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
