using ScottPlot;

namespace Reproduction.Reporting;

/// <summary>The finishing of the study's 900×640 figures: title, axis labels, legend below, written atomically (tmp, then move).</summary>
public static class FigureFile
{
    public const int Width = 900, Height = 640;

    public static void Finish(Plot plot, string title, string xLabel, string yLabel, string path)
    {
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Edge.Bottom);
        var tmp = path + ".tmp.png";
        plot.SavePng(tmp, Width, Height);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The dashed grey y = x line from (lo, lo) to (hi, hi): where measured equals predicted.</summary>
    /// <summary>
    /// Symmetric log: sign(x)·log10(1 + |x|). Linear near 0, logarithmic far out, so values from −10 to 1,000 share one
    /// readable axis; y = x stays the diagonal. Pair it with <see cref="SymLogTicks"/>.
    /// </summary>
    public static double SymLog(double x) => Math.Sign(x) * Math.Log10(1 + Math.Abs(x));

    /// <summary>Tick labels in the original units (0, ±1, ±10, ±100, …) on both axes of a plot drawn in <see cref="SymLog"/>.</summary>
    public static void SymLogTicks(Plot plot, double lo, double hi)
    {
        var values = new List<double> { 0 };
        double reach = 10 * Math.Max(Math.Abs(lo), Math.Abs(hi));
        for (double d = 1; d <= Math.Min(reach, 1e6); d *= 10)
        {
            if (hi > 0) values.Add(d);
            if (lo < 0) values.Add(-d);
        }
        values.Sort();
        var positions = values.Select(SymLog).ToArray();
        var labels = values.Select(v => v.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        plot.Axes.Bottom.SetTicks(positions, labels);
        plot.Axes.Left.SetTicks(positions, labels);
    }

    public static void Diagonal(Plot plot, double lo, double hi)
    {
        var diag = plot.Add.Line(lo, lo, hi, hi);
        diag.LinePattern = LinePattern.Dashed;
        diag.Color = Colors.Gray;
    }
}
