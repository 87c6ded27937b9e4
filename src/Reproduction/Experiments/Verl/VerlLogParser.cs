using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Reproduction.Experiments.Verl;

/// <summary>One logged step of a verl run: the step counter and its numeric metrics, with where it came from.</summary>
public sealed record VerlLogRecord(int Step, IReadOnlyDictionary<string, double> Data, string File, int Line)
{
    public string Where => $"{File}:{Line}";
}

/// <summary>
/// Reads verl's tracked metrics (verl/utils/tracking.py) from either of its local loggers, line by line, in one file:
/// <list type="bullet">
/// <item>the file logger (<c>trainer.logger=[...,"file"]</c>, <c>VERL_FILE_LOGGER_PATH</c>): one JSON object a line,
/// <c>{"step": N, "data": {"key": value, ...}}</c>; Python's <c>json.dumps</c> may write bare <c>NaN</c>/<c>Infinity</c>;</item>
/// <item>the console logger (verl/utils/logger/aggregate_logger.py <c>concat_dict_to_str</c>):
/// <c>step:N - key:value - key:value</c>, values from <c>pprint.pformat</c> (so <c>np.float64(0.5)</c> with numpy 2) or,
/// in older verl, <c>{v:.3f}</c>; a line may carry a Ray prefix such as <c>(TaskRunner pid=12) </c>. Lines without
/// <c>step:N</c> (progress bars, warnings) are not metrics and are skipped.</item>
/// </list>
/// A malformed metrics line is an error naming the file and line. Only numeric values are kept.
/// </summary>
public static class VerlLogParser
{
    private static readonly Regex ConsoleStep = new(@"(?:^|\s)step:(?<step>-?\d+)(?<rest>(?: - .*)?)$", RegexOptions.CultureInvariant);
    private static readonly Regex Wrapped = new(@"^(?:np\.)?(?:float|int|uint)(?:16|32|64)?\((?<v>[^()]*)\)$|^tensor\((?<v>[^(),]*)(?:,.*)?\)$", RegexOptions.CultureInvariant);
    private static readonly Regex BareNonFinite = new(@"(?<=[:\[,]\s*)(-?Infinity|NaN)(?=\s*[,}\]])", RegexOptions.CultureInvariant);

    public static IReadOnlyList<VerlLogRecord> ReadFile(string path)
    {
        if (!System.IO.File.Exists(path)) throw ReproException.ForFile(path, "verl log not found");
        var records = new List<VerlLogRecord>();
        int lineNo = 0;
        foreach (var raw in System.IO.File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var record = line[0] is '{' or '[' ? ParseJson(line, path, lineNo) : ParseConsole(line, path, lineNo);
            if (record is not null) records.Add(record);
        }
        return records;
    }

    private static VerlLogRecord ParseJson(string line, string path, int lineNo)
    {
        string Where() => $"{path}:{lineNo}";
        JsonElement root;
        try
        {
            // Python's json.dumps writes float('nan') as a bare NaN, which is not JSON: read it as the string "NaN".
            using var doc = JsonDocument.Parse(BareNonFinite.Replace(line, "\"$1\""));
            root = doc.RootElement.Clone();
        }
        catch (JsonException e) { throw new ReproException($"{Where()}: not a JSON line of verl's file logger: {e.Message}"); }
        if (root.ValueKind != JsonValueKind.Object) throw new ReproException($"{Where()}: expected a JSON object {{\"step\": N, \"data\": {{...}}}}");
        if (!root.TryGetProperty("step", out var stepEl) || !stepEl.TryGetInt32(out var step) || step < 0)
            throw new ReproException($"{Where()}: \"step\" must be a non-negative integer");
        if (!root.TryGetProperty("data", out var dataEl) || dataEl.ValueKind != JsonValueKind.Object)
            throw new ReproException($"{Where()}: \"data\" must be an object of metrics");
        var data = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var p in dataEl.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Number) data[p.Name] = p.Value.GetDouble();
            else if (p.Value.ValueKind == JsonValueKind.String && TryNumber(p.Value.GetString()!, out var v) && !double.IsFinite(v)) data[p.Name] = v;
        }
        return new VerlLogRecord(step, data, path, lineNo);
    }

    private static VerlLogRecord? ParseConsole(string line, string path, int lineNo)
    {
        var m = ConsoleStep.Match(line);
        if (!m.Success) return null;
        string Where() => $"{path}:{lineNo}";
        if (!int.TryParse(m.Groups["step"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var step) || step < 0)
            throw new ReproException($"{Where()}: step '{m.Groups["step"].Value}' is not a non-negative integer");
        var data = new Dictionary<string, double>(StringComparer.Ordinal);
        var rest = m.Groups["rest"].Value;
        if (rest.Length > 0)
            foreach (var field in rest[3..].Split(" - "))
            {
                int colon = field.IndexOf(':');   // keys have no colon; values may (tensor(..., device='cuda:0'))
                if (colon <= 0) throw new ReproException($"{Where()}: '{field}' is not key:value (verl's console format is step:N - key:value - ...)");
                var key = field[..colon].Trim();
                var text = field[(colon + 1)..].Trim();
                if (TryNumber(text, out var v)) data[key] = v;
                else if (VerlMetrics.IsTracked(key)) throw new ReproException($"{Where()}: {key}: '{text}' is not a number");
            }
        return new VerlLogRecord(step, data, path, lineNo);
    }

    /// <summary>A Python number as pformat / json writes it: 0.5, 1e-06, nan, inf, -inf, np.float64(0.5), tensor(0.5).</summary>
    public static bool TryNumber(string text, out double value)
    {
        var w = Wrapped.Match(text);
        if (w.Success) text = w.Groups["v"].Value.Trim();
        switch (text)
        {
            case "nan" or "NaN": value = double.NaN; return true;
            case "inf" or "Infinity": value = double.PositiveInfinity; return true;
            case "-inf" or "-Infinity": value = double.NegativeInfinity; return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
