using System.Globalization;
using System.Text;
using Reproduction.Cli;
using Reproduction.Runtime;

namespace Reproduction.Benchmarks;

/// <summary>
/// `repro bench --markdown FILE`: the run as Markdown, ready for docs/performance.md — the command, date, machine and
/// wall time; ours ÷ PyTorch for every figure both measured side by side; then every figure with median, min–max, unit
/// and repetitions; then the notes (skipped points, the reference's BLAS).
/// </summary>
public static class BenchMarkdown
{
    public static string Render(IReadOnlyList<BenchCommand.Figure> figures, IReadOnlyList<string> notes, TorchEnvironment env,
        string command, DateTime utc, double wallSeconds, IReadOnlyDictionary<string, double> workloadSeconds)
    {
        var md = new StringBuilder();
        md.AppendLine($"**Command:** `{command}`  ");
        md.AppendLine($"**Run:** {utc:yyyy-MM-dd HH:mm} UTC, {wallSeconds / 60:F1} min wall ({string.Join(", ", workloadSeconds.Select(w => $"{w.Key} {w.Value:F0} s"))})  ");
        md.AppendLine($"**Machine:** {env.Cpu}{(env.KernelIsa == "native" ? "" : $" (kernels capped: {env.KernelIsa})")}, {Environment.ProcessorCount} cores, {env.Os}, {env.DotnetVersion}, TorchSharp {env.TorchSharpVersion} / libtorch {env.LibTorchVersion} ({env.TorchBackend}), {env.Threads} threads{(env.CudaDeviceName is { } gpu ? $", GPU {gpu}" : "")}");
        md.AppendLine();
        var ratios = figures.Where(f => f.Workload == PytorchWorker.Name + "/ratio").ToList();
        if (ratios.Count > 0)
        {
            md.AppendLine("| workload | figure | ours | PyTorch | unit | ours ÷ PyTorch |");
            md.AppendLine("|---|---|---:|---:|---|---:|");
            foreach (var theirs in figures.Where(f => f.Workload.StartsWith(PytorchWorker.Name + "/", StringComparison.Ordinal) && f.Workload != PytorchWorker.Name + "/ratio"))
            {
                var workload = theirs.Workload[(PytorchWorker.Name.Length + 1)..];
                var ours = figures.FirstOrDefault(f => f.Workload == workload && f.Name == theirs.Name);
                var ratio = ratios.FirstOrDefault(f => f.Name == $"{workload} {theirs.Name}: ours ÷ PyTorch");
                if (ours is null || ratio is null) continue;
                md.AppendLine($"| {workload} | {Cell(theirs.Name)} | {Num(ours.Median)} | {Num(theirs.Median)} | {theirs.Unit} | {ratio.Median.ToString("F2", CultureInfo.InvariantCulture)} |");
            }
            md.AppendLine();
        }
        md.AppendLine("| workload | figure | median | min – max | unit | reps |");
        md.AppendLine("|---|---|---:|---|---|---:|");
        foreach (var f in figures.Where(f => f.Workload != PytorchWorker.Name + "/ratio"))
            md.AppendLine($"| {f.Workload} | {Cell(f.Name)} | {Num(f.Median)} | {(f.Min == f.Max ? "" : $"{Num(f.Min)} – {Num(f.Max)}")} | {f.Unit} | {f.Repetitions} |");
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var n in notes) md.AppendLine($"- {n}");
        }
        return md.ToString();
    }

    private static string Cell(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Three significant digits, thousands separated; small magnitudes in G3.</summary>
    public static string Num(double x)
    {
        if (double.IsNaN(x)) return "NaN";
        double a = Math.Abs(x);
        if (a >= 1000) return x.ToString("N0", CultureInfo.InvariantCulture);
        if (a >= 100) return x.ToString("F0", CultureInfo.InvariantCulture);
        if (a >= 1e-3 || a == 0) return x.ToString("G3", CultureInfo.InvariantCulture);
        return x.ToString("0.0E+0", CultureInfo.InvariantCulture);
    }
}
