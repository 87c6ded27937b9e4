using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Reproduction.Benchmarks;
using Reproduction.Qwen3;
using Reproduction.Runtime;
using Spectre.Console;
using TorchSharp;
using static TorchSharp.torch;

namespace Reproduction.Cli;

/// <summary>
/// `repro bench`: measured figures, never timed unit tests. Workloads: `gemm` (this machine's torch.mm rate through
/// TorchSharp, float32 and bfloat16, the denominator of MFU), `load` (peak resident memory of loading a
/// Qwen3-0.6B-shaped checkpoint, each dtype in a fresh child process), and the model workloads in Benchmarks/
/// (forward, train, generate, grpo, tokenizer) on the tiny shape and a depth-cut Qwen3-0.6B shape in float32 and
/// bfloat16. Each timing is the median of several repetitions after a warm-up, with min and max; `--json` writes
/// every figure with its unit and the environment; `--compare-pytorch` adds ours ÷ PyTorch on the same weights.
/// </summary>
public static class BenchCommand
{
    public sealed record Figure(string Workload, string Name, double Median, double Min, double Max, string Unit, int Repetitions);

    public const string AllWorkloads = "gemm,load,forward,train,generate,grpo,tokenizer,profile";

    public static Command Create()
    {
        var workloads = new Option<string>("--workloads") { Description = $"Comma-separated: {AllWorkloads}", DefaultValueFactory = _ => AllWorkloads };
        var json = new Option<string?>("--json") { Description = "Also write every figure (with units and the environment) to this JSON file" };
        var markdown = new Option<string?>("--markdown") { Description = "Also write the run as Markdown tables (ratios, every figure, notes) to this file" };
        var reps = new Option<int>("--repetitions") { Description = "Timed repetitions per figure (after one warm-up)", DefaultValueFactory = _ => 3 };
        var quick = new Option<bool>("--quick") { Description = "2 repetitions and the smallest grid point of each workload (a functional check, not a figure)" };
        var layers = new Option<int?>("--layers") { Description = "Decoder layers of the Qwen3-0.6B-shaped model (the real one has 28; default 2, with --preset the preset's own)" };
        var preset = new Option<string?>("--preset") { Description = "Measure a study preset's units at its exact model shape (SFT step, GRPO generation and training, evaluation; f32 and bf16) and project its full run in H100 hours and CPU days" };
        var mfu = new Option<double>("--mfu") { Description = "With --preset: the MFU assumed for the GPU projection", DefaultValueFactory = _ => 0.4 };
        var peakTflops = new Option<double>("--peak-tflops") { Description = "With --preset: the GPU's dense bfloat16 peak the projection assumes (H100 SXM: 989)", DefaultValueFactory = _ => PaperRunProjection.H100PeakFlops / 1e12 };
        var budget = new Option<double>("--generation-budget") { Description = "Skip generation points estimated above this many TFLOP (printed)", DefaultValueFactory = _ => 2.5 };
        var shapes = new Option<string>("--shapes") { Description = "Comma-separated model shapes: tiny, 0.6b", DefaultValueFactory = _ => BenchSettings.AllShapes };
        var compare = new Option<bool>("--compare-pytorch") { Description = "Also run bench/pytorch_reference.py on the same seeded weights and print ours ÷ PyTorch" };
        var python = new Option<string>("--python") { Description = "The Python interpreter for --compare-pytorch", DefaultValueFactory = _ => "python3" };
        var model = new Option<string?>("--model") { Description = "For `load`: a model folder to load instead of a generated Qwen3-0.6B-shaped one" };
        var child = new Option<string?>("--load-child") { Description = "(internal) load the folder, print peak RSS", Hidden = true };
        var childDtype = new Option<string>("--dtype") { Description = "(internal) dtype for --load-child", DefaultValueFactory = _ => "float32", Hidden = true };
        var microBatch = new Option<int?>("--micro-batch") { Description = "With --preset: the SFT micro-batch of the step as trained (default: the preset's per_device_train_batch_size; the step keeps the preset's examples per optimizer step)" };
        var threads = new Option<int>("--threads") { Description = "torch threads for ours and the PyTorch reference (0: libtorch's default, the number of cores)", DefaultValueFactory = _ => 0 };
        var deviceOption = new Option<string>("--device") { Description = "cpu, or cuda (a -p:TorchBackend=cuda build on a machine with a GPU); default: cuda when available", DefaultValueFactory = _ => "auto" };
        var cmd = new Command("bench", "Benchmarks: GEMM, load memory, forward/training/generation tokens/s with MFU, GRPO step breakdown, tokenizer (median of repetitions after warm-up)")
            { workloads, json, markdown, reps, quick, layers, shapes, budget, compare, python, model, child, childDtype, deviceOption, threads, preset, mfu, peakTflops, microBatch };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(child) is { } folder) return LoadChild(folder, parse.GetValue(childDtype)!);
            if (parse.GetValue(layers) < 1) throw new ReproException($"--layers: must be at least 1, got {parse.GetValue(layers)}");
            var device = ParseDevice(parse.GetValue(deviceOption)!);
            if (parse.GetValue(threads) < 0) throw new ReproException($"--threads: must be 0 (default) or positive, got {parse.GetValue(threads)}");
            if (parse.GetValue(threads) > 0) torch.set_num_threads(parse.GetValue(threads));
            if (parse.GetValue(preset) is { } presetName)
                return PresetRun(Experiments.StudyPreset.Load(presetName), parse.GetValue(layers), new BenchSettings(parse.GetValue(reps), parse.GetValue(quick), 0, 0) { Device = device },
                    parse.GetValue(mfu), parse.GetValue(peakTflops) * 1e12, parse.GetValue(json), parse.GetValue(compare) ? parse.GetValue(python) : null, parse.GetValue(microBatch));
            var notes = new List<string>();
            var names = parse.GetValue(workloads)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var w in names)
                if (!AllWorkloads.Split(',').Contains(w)) throw new ReproException($"--workloads: unknown workload '{w}' ({AllWorkloads.Replace(",", ", ")})");
            var settings = new BenchSettings(parse.GetValue(reps), parse.GetValue(quick), parse.GetValue(layers) ?? 2, parse.GetValue(budget) * 1e12,
                parse.GetValue(shapes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) { Device = device };
            settings.Shapes();                                                          // validates --shapes up front
            var figures = new List<Figure>();
            var wall = Stopwatch.StartNew();
            var workloadSeconds = new Dictionary<string, double>();
            void Add(Figure f)
            {
                figures.Add(f);
                Console.Error.WriteLine($"bench: {f.Workload} | {f.Name} | {f.Median:G4} {f.Unit}");          // progress (stderr)
            }
            notes.Add($"allocator: {Runtime.NativeAllocator.Mode} ('thp': libtorch's CPU blocks of 2 MiB and more on transparent huge pages, {Runtime.NativeAllocator.LibtorchSwitch}=1; {Runtime.NativeAllocator.EnvironmentVariable}=system opts out)");
            if (device.type == DeviceType.CUDA)
                notes.Add($"device: CUDA ({TorchEnvironment.CudaDeviceNames() ?? "name unknown"}); MFU against the measured torch.mm rate and, where the GPU is known, its nominal dense peak ({GpuPeak.Source})");
            using var reference = parse.GetValue(compare) ? PytorchWorker.Start(parse.GetValue(python)!, notes.Add) : null;
            if (reference is not null && device.type != DeviceType.CPU)
                throw new ReproException("--compare-pytorch: the PyTorch reference runs on the CPU; use it with --device cpu");
            if (reference is not null)
            {
                settings = settings with { Reference = reference };
                foreach (var shape in settings.Shapes()) Add(reference.Agreement(shape));
            }
            var gemm = new Dictionary<ScalarType, double>();
            double GemmRate(ScalarType d)
            {
                if (gemm.Count == 0) foreach (var f in Gemm(settings.Reps, device)) Add(f);
                return gemm[d];
            }
            settings = settings with { GemmRate = GemmRate, NominalPeak = d => device.type == DeviceType.CUDA ? GpuPeak.Tflops(TorchEnvironment.CudaDeviceNames(), d) : null };
            IEnumerable<Figure> Gemm(int repetitions, Device on)
            {
                foreach (var f in GemmFigures(repetitions, settings.Quick, on))
                {
                    var d = f.Name.EndsWith("BFloat16", StringComparison.Ordinal) ? ScalarType.BFloat16 : ScalarType.Float32;
                    if (f.Name.StartsWith("best", StringComparison.Ordinal)) gemm[d] = f.Median;
                    yield return f;
                }
            }
            foreach (var w in names)
            {
                var clock = Stopwatch.StartNew();
                var produced = w switch
                {
                    "gemm" => gemm.Count == 0 ? Gemm(settings.Reps, device) : [],
                    "load" => Load(parse.GetValue(model)),
                    "forward" => ForwardBenchmark.Run(settings),
                    "train" => TrainStepBenchmark.Run(settings),
                    "generate" => GenerationBenchmark.Run(settings, notes.Add),
                    "grpo" => GrpoStepBenchmark.Run(settings),
                    "tokenizer" => TokenizerBenchmark.Run(settings, notes.Add),
                    "profile" => ProfileBenchmark.Run(settings),
                    _ => throw new InvalidOperationException(w),
                };
                foreach (var f in produced) Add(f);
                workloadSeconds[w] = clock.Elapsed.TotalSeconds;
                Console.Error.WriteLine($"bench: {w} took {clock.Elapsed.TotalSeconds:F0} s");
            }
            // Redirected output (a log, CI) gets the full width instead of the 80 columns Spectre assumes.
            if (Console.IsOutputRedirected) ReproCli.Out.Profile.Width = Math.Max(ReproCli.Out.Profile.Width, 160);
            var table = new Table().AddColumn("workload").AddColumn("figure").AddColumn("median").AddColumn("min").AddColumn("max").AddColumn("unit");
            foreach (var f in figures.Where(f => !f.Workload.StartsWith(PytorchWorker.Name, StringComparison.Ordinal)))
                table.AddRow(f.Workload, Markup.Escape(f.Name), $"{f.Median:G4}", $"{f.Min:G4}", $"{f.Max:G4}", Markup.Escape(f.Unit));
            ReproCli.Out.Write(table);
            if (reference is not null) ReproCli.Out.Write(RatioTable(figures));
            foreach (var n in notes) ReproCli.Out.MarkupLine(Markup.Escape(n));
            var commandLine = "repro " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
            var now = DateTime.UtcNow;
            if (parse.GetValue(markdown) is { } mdPath)
                IO.AtomicFile.WriteAllText(mdPath, BenchMarkdown.Render(figures, notes, TorchEnvironment.Capture(), commandLine, now, wall.Elapsed.TotalSeconds, workloadSeconds));
            if (parse.GetValue(json) is { } path)
            {
                var env = TorchEnvironment.Capture();
                var doc = new JsonObject
                {
                    ["date_utc"] = now.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                    ["command"] = commandLine,
                    ["wall_seconds"] = wall.Elapsed.TotalSeconds,
                    ["workload_seconds"] = JsonSerializer.SerializeToNode(workloadSeconds),
                    ["flops"] = "forward = 2·P_layers·tokens + attention (4·layers·heads·head_dim per causal query-key pair) + 2·V·H per logit row; training = 3 × forward (logits at completion positions only); MFU = model FLOP/s ÷ torch.mm GFLOP/s of the same dtype",
                    ["peak_rss"] = "VmHWM after the block, reset via /proc/self/clear_refs before it (in-process; includes everything resident); `load` uses a child process per dtype",
                    ["environment"] = JsonSerializer.SerializeToNode(env),
                    ["notes"] = JsonSerializer.SerializeToNode(notes),
                    ["figures"] = JsonSerializer.SerializeToNode(figures),
                };
                IO.AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// `bench --preset`: the preset's model config (an `init` preset's own; a `pretrained` one's is Qwen3-0.6B's, whose
    /// weights are not loaded: random weights at that shape), cut to `--layers` if given; the measured units
    /// (<see cref="PresetBenchmark"/>), then the full run projected from them (<see cref="PaperRunProjection"/>): a table of
    /// the figures and one of the projection, and with --json both with the assumptions.
    /// </summary>
    private static int PresetRun(Experiments.StudyPreset preset, int? layers, BenchSettings settings, double mfu, double peakFlops, string? jsonPath, string? python,
        int? microBatch)
    {
        int examplesPerStep = preset.Sft.PerDeviceTrainBatchSize * preset.Sft.GradientAccumulationSteps;
        if (microBatch is { } m && (m < 1 || examplesPerStep % m != 0))
            throw new ReproException($"--micro-batch: must divide the preset's {examplesPerStep} examples per SFT step (per_device_train_batch_size × gradient_accumulation_steps), got {m}");
        int micro = microBatch ?? preset.Sft.PerDeviceTrainBatchSize;
        _ = PaperRunProjection.Project([], mfu, peakFlops);                                   // validates --mfu / --peak-tflops first
        var notes = new List<string> { PresetBenchmark.CheckpointingNote };
        if (python is not null && settings.Device.type != DeviceType.CPU)
            throw new ReproException("--compare-pytorch: the PyTorch reference runs on the CPU; use it with --device cpu");
        using var reference = python is null ? null : PytorchWorker.Start(python, notes.Add);
        Qwen3Config config;
        if (preset.Model.Source == "init" && preset.Model.Config is { } c)
        {
            var json = c.DeepClone().AsObject();
            json["vocab_size"] ??= Text.Qwen3Tokenizer.LoadDefault().VocabularySize;
            config = Qwen3Config.Parse(json.ToJsonString(), $"preset {preset.Name}: model.config");
        }
        else
        {
            config = BenchShape.Qwen3_0_6B(28).Config;
            notes.Add($"preset {preset.Name}: model.source '{preset.Model.Source}': Qwen3-0.6B's config.json (implementation-notes §A.2) with random weights; the weights are not loaded");
        }
        int depth = config.NumHiddenLayers;
        if (layers is { } l) config = config with { NumHiddenLayers = l };
        var shapeName = config.NumHiddenLayers == depth ? $"{preset.Name} shape" : $"{preset.Name} shape cut to {config.NumHiddenLayers}/{depth} layers";

        var gemm = new Dictionary<ScalarType, double>();
        var figures = new List<Figure>();
        void Add(Figure f)
        {
            figures.Add(f);
            Console.Error.WriteLine($"bench: {f.Workload} | {f.Name} | {f.Median:G4} {f.Unit}");
        }
        foreach (var f in GemmFigures(settings.Reps, settings.Quick, settings.Device))
        {
            if (f.Name.StartsWith("best", StringComparison.Ordinal)) gemm[f.Name.EndsWith("BFloat16", StringComparison.Ordinal) ? ScalarType.BFloat16 : ScalarType.Float32] = f.Median;
            Add(f);
        }
        settings = settings with { GemmRate = d => gemm[d] };
        var wall = Stopwatch.StartNew();
        var rates = new List<PaperRunProjection.CpuRates>();
        foreach (var f in PresetBenchmark.Run(config, shapeName, settings, rates, micro, examplesPerStep / micro)) Add(f);
        foreach (var f in PresetBenchmark.Checkpointing(config, shapeName, settings)) Add(f);
        foreach (var f in PresetBenchmark.Decode(config, shapeName, settings, reference)) Add(f);

        var lengths = PaperRunProjection.TextLengths.Of(preset);
        var workload = PaperRunProjection.Workload.Of(preset, lengths.TrainExamples);
        var unit = PaperRunProjection.UnitFlops.Of(config, preset, lengths);
        var projections = rates.ToDictionary(r => r.Dtype, r => PaperRunProjection.Project(PaperRunProjection.Phases(workload, unit, r), mfu, peakFlops));
        notes.Add($"projection: {workload.SftSteps} SFT steps of {preset.Sft.PerDeviceTrainBatchSize * preset.Sft.GradientAccumulationSteps} examples ({lengths.SftTokens:F1} tokens, {lengths.SftCompletionTokens:F1} in the loss, on average), " +
            $"{workload.GrpoSteps} GRPO steps of {preset.Grpo.CompletionsPerStep} completions × {preset.Grpo.MaxCompletionLength} tokens after {lengths.RlPromptTokens:F1}-token prompts (every completion at the cap: an upper bound), " +
            $"{workload.MeanAt1Points} mean@1 points and {workload.CePoints} CE passes, {workload.Checkpoints} diagnosed checkpoints; both pipelines, one seed");
        notes.Add($"projection: H100 hours = FLOPs ÷ ({mfu:P0} MFU × {peakFlops / 1e12:G4} TFLOP/s) ÷ 3600; CPU days = FLOPs ÷ the rate measured here for that kind of work + optimizer seconds × steps, ÷ 86,400; measured short (sizes in the figure names) and scaled by FLOPs");

        if (Console.IsOutputRedirected) ReproCli.Out.Profile.Width = Math.Max(ReproCli.Out.Profile.Width, 160);
        var table = new Table().AddColumn("figure").AddColumn("median").AddColumn("min").AddColumn("max").AddColumn("unit");
        foreach (var f in figures.Where(f => !f.Workload.StartsWith(PytorchWorker.Name, StringComparison.Ordinal))) table.AddRow(Markup.Escape(f.Name), $"{f.Median:G4}", $"{f.Min:G4}", $"{f.Max:G4}", Markup.Escape(f.Unit));
        ReproCli.Out.Write(table);
        if (reference is not null) ReproCli.Out.Write(RatioTable(figures));
        var first = projections.Values.First();
        var projection = new Table().AddColumn("phase of the full run").AddColumn("count").AddColumn("PFLOP").AddColumn($"H100 h at {mfu:P0} MFU");
        foreach (var d in projections.Keys) projection.AddColumn($"CPU days here ({d})");
        for (int i = 0; i < first.Count; i++)
            projection.AddRow([Markup.Escape(first[i].Name), $"{first[i].Count:N0}", $"{first[i].Flops / 1e15:G4}", $"{first[i].GpuHours:G3}", .. projections.Values.Select(p => $"{p[i].CpuDays:G3}")]);
        projection.AddRow(["total", "", $"{first.Sum(p => p.Flops) / 1e15:G4}", $"{first.Sum(p => p.GpuHours):G3}", .. projections.Values.Select(p => $"{p.Sum(x => x.CpuDays):G3}")]);
        ReproCli.Out.Write(projection);
        foreach (var n in notes) ReproCli.Out.MarkupLine(Markup.Escape(n));
        if (jsonPath is not null)
        {
            var doc = new JsonObject
            {
                ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
                ["command"] = "repro " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
                ["preset"] = preset.Name, ["shape"] = shapeName, ["config"] = JsonNode.Parse(config.ToJson()),
                ["wall_seconds"] = wall.Elapsed.TotalSeconds,
                ["environment"] = JsonSerializer.SerializeToNode(TorchEnvironment.Capture()),
                ["assumptions"] = new JsonObject { ["mfu"] = mfu, ["peak_flops"] = peakFlops, ["gradient_checkpointing"] = PresetBenchmark.CheckpointingNote },
                ["workload"] = JsonSerializer.SerializeToNode(workload), ["text_lengths"] = JsonSerializer.SerializeToNode(lengths),
                ["unit_flops"] = JsonSerializer.SerializeToNode(unit), ["cpu_rates"] = JsonSerializer.SerializeToNode(rates),
                ["projection"] = new JsonObject(projections.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)PaperRunProjection.ToJson(kv.Value)))),
                ["notes"] = JsonSerializer.SerializeToNode(notes),
                ["figures"] = JsonSerializer.SerializeToNode(figures),
            };
            IO.AtomicFile.WriteAllText(jsonPath, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return 0;
    }

    /// <summary>
    /// Ours, PyTorch and ours ÷ PyTorch for every figure both measured side by side in this run (the ratio is what is
    /// tracked: above 1 is faster for rates and larger for memory), plus the agreement of the two models' logits.
    /// </summary>
    public static Table RatioTable(IReadOnlyList<Figure> figures)
    {
        var table = new Table().AddColumn("workload").AddColumn("figure").AddColumn("ours").AddColumn("PyTorch").AddColumn("unit").AddColumn("ours ÷ PyTorch");
        foreach (var theirs in figures.Where(f => f.Workload.StartsWith(PytorchWorker.Name + "/", StringComparison.Ordinal) && f.Workload != PytorchWorker.Name + "/ratio"))
        {
            var workload = theirs.Workload[(PytorchWorker.Name.Length + 1)..];
            var ours = figures.FirstOrDefault(f => f.Workload == workload && f.Name == theirs.Name);
            var ratio = figures.FirstOrDefault(f => f.Workload == PytorchWorker.Name + "/ratio" && f.Name == $"{workload} {theirs.Name}: ours ÷ PyTorch");
            if (ours is null || ratio is null) continue;
            table.AddRow(workload, Markup.Escape(theirs.Name), $"{ours.Median:G4}", $"{theirs.Median:G4}", Markup.Escape(theirs.Unit), $"{ratio.Median:F2}");
        }
        foreach (var agreement in figures.Where(f => f.Workload == PytorchWorker.Name))
            table.AddRow("agreement", Markup.Escape(agreement.Name), $"{agreement.Median:G2}", "", Markup.Escape(agreement.Unit), "");
        return table;
    }

    /// <summary>The square sizes the GEMM rate is measured at; the best median of them is the MFU denominator.</summary>
    public static IReadOnlyList<int> GemmSizes(bool quick) => quick ? [1024] : [1024, 2048, 3072];

    /// <summary>
    /// torch.mm of two n × n matrices (2n³ FLOP per product) at each of <see cref="GemmSizes"/>, float32 and bfloat16, on
    /// `device` (`--quick`: 1024 only): two warm-up products, then `repetitions` timed ones (at least 5); the median rate per size, and the best
    /// of those medians per dtype ("best torch.mm …"), which is this machine's GEMM rate as MFU uses it.
    /// </summary>
    public static IEnumerable<Figure> GemmFigures(int repetitions, bool quick, Device? device = null)
    {
        device ??= CPU;
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
        {
            Figure? best = null;
            foreach (var n in GemmSizes(quick))
            {
                using var scope = torch.NewDisposeScope();
                var a = torch.randn(n, n).to(dtype, device);
                var b = torch.randn(n, n).to(dtype, device);
                for (int w = 0; w < 2; w++) _ = torch.mm(a, b)[0, 0].to(ScalarType.Float32).item<float>();   // warm-up
                var rates = new List<double>();
                for (int r = 0; r < Math.Max(5, repetitions); r++)
                {
                    var clock = Stopwatch.StartNew();
                    using var c = torch.mm(a, b);
                    _ = c[0, 0].to(ScalarType.Float32).item<float>();                       // make sure it ran
                    rates.Add(2.0 * n * n * n / clock.Elapsed.TotalSeconds / 1e9);
                }
                rates.Sort();
                var f = new Figure("gemm", $"torch.mm {n}³ {dtype}", rates[rates.Count / 2], rates[0], rates[^1], "GFLOP/s", rates.Count);
                if (best is null || f.Median > best.Median) best = f;
                yield return f;
            }
            yield return best! with { Name = $"best {best.Name}" };
        }
    }

    private static Device ParseDevice(string name) => name switch
    {
        "auto" => cuda_is_available() ? CUDA : CPU,
        "cpu" => CPU,
        "cuda" => cuda_is_available() ? CUDA : throw new ReproException("--device cuda: CUDA is not available (a -p:TorchBackend=cuda build on a machine with an NVIDIA GPU and driver is needed)"),
        _ => throw new ReproException($"--device: '{name}' is not one of auto, cpu, cuda"),
    };

    /// <summary>Peak RSS of a child process that loads the model in float32 and in bfloat16 (one process each).</summary>
    public static IEnumerable<Figure> Load(string? modelFolder)
    {
        string folder = modelFolder ?? MakeQwen3_0_6BShaped();
        foreach (var dtype in new[] { "bfloat16", "float32" })
        {
            var exe = Environment.ProcessPath!;
            var args = exe.EndsWith("dotnet", StringComparison.Ordinal) ? $"\"{typeof(BenchCommand).Assembly.Location}\" " : "";
            var psi = new ProcessStartInfo(exe, $"{args}bench --load-child \"{folder}\" --dtype {dtype}") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("peak_rss_bytes=", StringComparison.Ordinal))
                ?? throw new ReproException($"bench load: the child process failed: {p.StandardError.ReadToEnd().Trim()}");
            double mb = long.Parse(line["peak_rss_bytes=".Length..].Trim()) / 1048576.0;
            yield return new Figure("load", $"{(modelFolder is null ? "Qwen3-0.6B-shaped (random, bf16 file)" : folder)} → {dtype}", mb, mb, mb, "MiB peak RSS", 1);
        }
    }

    private static int LoadChild(string folder, string dtype)
    {
        using var model = Qwen3ForCausalLM.FromPretrained(folder, IO.DtypeNames.Parse(dtype));
        Console.WriteLine($"peak_rss_bytes={ProcessMemory.PeakResidentBytes() ?? -1}");
        return 0;
    }

    /// <summary>A random checkpoint with Qwen3-0.6B's config (28 layers, vocab 151,936, tied), stored in bf16 like the real one.</summary>
    public static string MakeQwen3_0_6BShaped()
    {
        var folder = Path.Combine(Path.GetTempPath(), "repro-bench-qwen3-0.6b-shaped");
        if (File.Exists(Path.Combine(folder, "model.safetensors"))) return folder;
        var config = Qwen3Config.Parse("""
            {"architectures":["Qwen3ForCausalLM"],"model_type":"qwen3","hidden_size":1024,"intermediate_size":3072,"num_hidden_layers":28,
             "num_attention_heads":16,"num_key_value_heads":8,"head_dim":128,"vocab_size":151936,"max_position_embeddings":40960,
             "rope_theta":1000000,"rms_norm_eps":1e-06,"hidden_act":"silu","tie_word_embeddings":true,"bos_token_id":151643,"eos_token_id":151645,
             "torch_dtype":"bfloat16"}
            """, "Qwen3-0.6B config (implementation-notes §A.2)");
        using var model = Qwen3ForCausalLM.Initialize(config, 0, ScalarType.BFloat16);
        model.SavePretrained(folder, overwrite: true);
        return folder;
    }
}
