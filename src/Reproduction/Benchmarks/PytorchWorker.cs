using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Cli;
using Reproduction.Qwen3;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Benchmarks;

/// <summary>
/// `--compare-pytorch`: bench/pytorch_reference.py running as a worker process (`--serve`, one JSON command a line).
/// The workloads alternate repetitions with it (<see cref="Measure.Paired"/>), so each ours ÷ PyTorch ratio is the
/// ratio of two medians taken under the same machine load. Each shape's seeded float32 weights are written once with
/// SavePretrained and the worker loads them in the dtype of the block; before any timing, the two implementations'
/// float32 logits of every position of a fixed 2 × 16 input are compared (<see cref="Agreement"/>).
/// </summary>
public sealed class PytorchWorker : IDisposable
{
    public const string Name = "pytorch";

    private readonly Process _process;
    private readonly Dictionary<string, string> _folders = new();
    private (string Shape, ScalarType Dtype)? _loaded;

    public string Interpreter { get; }
    public string Description { get; private set; } = "";

    private PytorchWorker(Process process, string interpreter)
    {
        _process = process;
        Interpreter = interpreter;
    }

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
                using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import torch"]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }

    /// <summary>Starts the worker with this process's torch thread count; null (and a note saying why) when no Python imports torch.</summary>
    public static PytorchWorker? Start(string python, Action<string> note)
    {
        var interpreter = FindPython(python);
        if (interpreter is null)
        {
            note($"--compare-pytorch: skipped — neither '{python}' nor /usr/bin/python3 can import torch (Debian: apt-get install -y python3-torch libopenblas0-pthread)");
            return null;
        }
        var psi = new ProcessStartInfo(interpreter, [ScriptPath(), "--serve"])
            { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = false, UseShellExecute = false };
        var process = Process.Start(psi) ?? throw new ReproException($"--compare-pytorch: could not start {interpreter}");
        var worker = new PytorchWorker(process, interpreter);
        var hello = worker.Send(new JsonObject { ["cmd"] = "hello", ["threads"] = torch.get_num_threads() });
        var config = hello["config"]!.GetValue<string>();
        var blas = config.Contains("BLAS_INFO=generic", StringComparison.Ordinal) ? "BLAS_INFO=generic: the libblas.so.3 alternative" : "see torch.__config__.show()";
        worker.Description = $"torch {hello["torch"]}, {hello["threads"]} threads, BLAS {hello["blas_library"]} ({blas})";
        note($"--compare-pytorch: {interpreter} {ScriptPath()} --serve: {worker.Description}; repetitions alternate with ours");
        return worker;
    }

    /// <summary>Sends one command and returns its answer; a failed command throws naming it.</summary>
    public JsonNode Send(JsonObject command)
    {
        var line = command.ToJsonString();
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
        var answer = _process.StandardOutput.ReadLine()
            ?? throw new ReproException($"--compare-pytorch: the PyTorch worker exited (code {(_process.HasExited ? _process.ExitCode : -1)}) on {line}");
        var node = JsonNode.Parse(answer)!;
        if (node["ok"]?.GetValue<bool>() != true)
            throw new ReproException($"--compare-pytorch: the PyTorch worker failed on {line}: {node["error"]}");
        return node;
    }

    /// <summary>
    /// The folder holding this shape's seeded float32 weights (written once per run, removed with the worker). It is
    /// this process's own: two benches at once (a user's and a test's) would otherwise share check_logits.f32.
    /// </summary>
    private string Folder(BenchShape shape)
    {
        if (_folders.TryGetValue(shape.Name, out var f)) return f;
        var folder = Path.Combine(Path.GetTempPath(), $"repro-bench-pytorch-{Environment.ProcessId}-{shape.Name.Replace('/', '-')}");
        using (var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, ScalarType.Float32))
            model.SavePretrained(folder, ScalarType.Float32, overwrite: true);
        return _folders[shape.Name] = folder;
    }

    /// <summary>Makes the worker hold this shape in this dtype (the same seeded weights as Initialize(config, 0), cast).</summary>
    public void Load(BenchShape shape, ScalarType dtype)
    {
        if (_loaded == (shape.Name, dtype)) return;
        Send(new JsonObject { ["cmd"] = "load", ["model"] = Folder(shape), ["dtype"] = dtype == ScalarType.BFloat16 ? "bfloat16" : "float32" });
        _loaded = (shape.Name, dtype);
    }

    /// <summary>Max |ours − PyTorch| of float32 logits at every position of a fixed 2 × 16 input.</summary>
    public BenchCommand.Figure Agreement(BenchShape shape)
    {
        Load(shape, ScalarType.Float32);
        using var scope = torch.NewDisposeScope();
        using var model = Qwen3ForCausalLM.Initialize(shape.Config, 0, ScalarType.Float32);
        using var noGrad = torch.no_grad();
        var ids = ForwardBenchmark.RandomIds(shape.Config.VocabSize, 2, 16, 5);
        var outPath = Path.Combine(Folder(shape), "check_logits.f32");
        var rows = new JsonArray(Enumerable.Range(0, 2).Select(r => (JsonNode)new JsonArray(ids[r].data<long>().Select(x => (JsonNode)x).ToArray())).ToArray());
        Send(new JsonObject { ["cmd"] = "check", ["ids"] = rows, ["out"] = outPath });
        var logits = model.Forward(ids, logitsToKeep: 0).Logits!.to(ScalarType.Float32);
        var bytes = File.ReadAllBytes(outPath);
        var theirs = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, theirs, 0, bytes.Length);
        if (theirs.Length != logits.numel())
            throw new ReproException($"--compare-pytorch: {outPath} has {theirs.Length} logits, expected {logits.numel()}");
        var diff = (logits.reshape(-1) - torch.tensor(theirs)).abs().max().item<float>();
        var scale = logits.abs().max().item<float>();
        return Measure.Single(Name, $"{shape.Name} f32 logits max |ours − PyTorch| (2×16, max |logit| {scale:G3})", diff, "abs");
    }

    /// <summary>Seconds of one repetition of a workload command (e.g. {"cmd":"forward","b":1,"t":64}).</summary>
    public double Seconds(JsonObject command) => Send(command)["seconds"]!.GetValue<double>();

    public bool PeakReset() => Send(new JsonObject { ["cmd"] = "peak_reset" })["reset"]!.GetValue<bool>();

    public double PeakMiB() => Send(new JsonObject { ["cmd"] = "peak" })["bytes"]!.GetValue<long>() / 1048576.0;

    /// <summary>PyTorch's figure and ours ÷ PyTorch for a figure measured side by side.</summary>
    public static IEnumerable<BenchCommand.Figure> Compare(BenchCommand.Figure ours, Timing theirs, double units)
    {
        var reference = Measure.Rate(ours.Workload, ours.Name, theirs, units, ours.Unit);
        yield return reference with { Workload = $"{Name}/{ours.Workload}" };
        yield return Measure.Single($"{Name}/ratio", $"{ours.Workload} {ours.Name}: ours ÷ PyTorch", ours.Median / reference.Median, "×", theirs.Repetitions);
    }

    /// <summary>PyTorch's peak RSS of the same block and ours ÷ PyTorch (lower is better for ours).</summary>
    public IEnumerable<BenchCommand.Figure> CompareMemory(BenchCommand.Figure ours)
    {
        double mib = PeakMiB();
        yield return Measure.Single($"{Name}/{ours.Workload}", ours.Name, mib, ours.Unit);
        yield return Measure.Single($"{Name}/ratio", $"{ours.Workload} {ours.Name}: ours ÷ PyTorch", ours.Median / mib, "×");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("{\"cmd\":\"quit\"}");
                _process.StandardInput.Close();
                if (!_process.WaitForExit(10_000)) _process.Kill();
            }
        }
        catch (IOException) { }
        catch (InvalidOperationException) { }
        _process.Dispose();
        foreach (var folder in _folders.Values)
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
