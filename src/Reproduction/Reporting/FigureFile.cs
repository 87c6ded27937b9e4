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
    public static void Diagonal(Plot plot, double lo, double hi)
    {
        var diag = plot.Add.Line(lo, lo, hi, hi);
        diag.LinePattern = LinePattern.Dashed;
        diag.Color = Colors.Gray;
    }
}
