using System.Globalization;
using System.Text;

namespace Reproduction.Experiments.Schedules;

/// <summary>
/// A schedule as data: its name, what it does, the paper and code it follows, its parameters with their published
/// defaults, whether it has an SFT term (and so takes DFT's sft_loss switch), and how to make one.
/// </summary>
public sealed record ScheduleInfo(string Family, string Summary, string Source, IReadOnlyList<ScheduleParameter> Parameters, bool HasSftTerm,
    Func<ScheduleInfo, IReadOnlyDictionary<string, double>, SftTokenWeight, string, Schedule> Make)
{
    /// <summary>The parameter that traces the schedule's own curve in a sweep (the first), with the values a sweep takes.</summary>
    public IReadOnlyList<double> SweepValues { get; init; } = [];
}

/// <summary>
/// Every schedule `repro frontier --schedules` knows, found by name. A spec is `name`, `name:value` (the main
/// parameter, as `joint:0.5`) or `name:key=value:key=value` (as `chord-mu:mu_peak=0.5:sft_loss=dft`); specs are
/// separated by commas; `all` is every schedule once at its defaults. Unknown names, unknown or out-of-range
/// parameters end with a message naming the schedule and the problem.
/// </summary>
public static class ScheduleCatalog
{
    public static readonly IReadOnlyList<ScheduleInfo> Entries =
    [
        TwoStage.SftThenRlEntry, TwoStage.RlThenSftEntry, Joint.Entry, Interleaved.Entry, Chord.MuEntry, Chord.PhiEntry,
        Hpt.Entry, Luffy.Entry, Relift.Entry, Srft.Entry, SingleStage.SftOnlyEntry, SingleStage.RlOnlyEntry,
    ];

    /// <summary>Shorthands: `dft` is SFT-then-RL with DFT's SFT loss; `sequential` is SFT-then-RL (`repro ablate`'s older name).</summary>
    public static readonly IReadOnlyDictionary<string, string> Aliases = new Dictionary<string, string> { ["dft"] = "sft-then-rl:sft_loss=dft", ["sequential"] = "sft-then-rl" };

    /// <summary>What `all` runs.</summary>
    public static readonly IReadOnlyList<string> All =
        ["sft-then-rl", "rl-then-sft", "joint", "interleaved", "chord-mu", "chord-phi", "hpt", "luffy", "relift", "srft", "dft", "sft-only", "rl-only"];

    public static ScheduleInfo Find(string family) =>
        Entries.FirstOrDefault(e => e.Family == family)
        ?? throw new ReproException($"--schedules: unknown schedule '{family}' (known: {string.Join(", ", Entries.Select(e => e.Family).Concat(Aliases.Keys))}, all)");

    /// <summary>The schedules of a comma-separated list; with <paramref name="sweep"/>, each family's main parameter at its sweep values too.</summary>
    public static IReadOnlyList<Schedule> ParseList(string text, bool sweep = false)
    {
        var specs = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).SelectMany(s => s == "all" ? All : [s]).ToList();
        if (specs.Count == 0) throw new ReproException("--schedules: empty list");
        var list = specs.Select(Parse).ToList();
        if (sweep)
            foreach (var info in list.Select(s => s.Info).Distinct().Where(i => i.SweepValues.Count > 0).ToList())
                foreach (var v in info.SweepValues)
                    list.Add(Parse($"{info.Family}:{info.Parameters[0].Name}={v.ToString(CultureInfo.InvariantCulture)}"));
        return list.DistinctBy(s => s.Name).ToList();
    }

    public static Schedule Parse(string spec)
    {
        string label = spec;
        string? aliasName = null;
        var head = spec.Split(':')[0];
        if (Aliases.TryGetValue(head, out var expansion))
        {
            aliasName = head;
            spec = expansion + spec[head.Length..];
        }
        var parts = spec.Split(':');
        var info = Find(parts[0]);
        var values = info.Parameters.ToDictionary(p => p.Name, p => p.Default);
        string sftLoss = "nll";
        for (int i = 1; i < parts.Length; i++)
        {
            var kv = parts[i].Split('=', 2);
            string key = kv.Length == 2 ? kv[0] : info.Parameters.Count > 0 ? info.Parameters[0].Name : throw new ReproException($"--schedules: '{label}': {info.Family} has no parameters");
            string raw = kv.Length == 2 ? kv[1] : kv[0];
            if (key == "sft_loss")
            {
                if (!info.HasSftTerm) throw new ReproException($"--schedules: '{label}': {info.Family} has no SFT term for sft_loss to switch");
                sftLoss = SftTokenLoss.Name(SftTokenLoss.Parse(raw, $"--schedules: '{label}'"));
                continue;
            }
            var p = info.Parameters.FirstOrDefault(x => x.Name == key)
                ?? throw new ReproException($"--schedules: '{label}': {info.Family} has no parameter '{key}' (it has {Describe(info)})");
            if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                throw new ReproException($"--schedules: '{label}': {key} must be a number, got '{raw}'");
            if (v < p.Min || v > p.Max) throw new ReproException($"--schedules: '{label}': {key} = {raw} is outside [{Schedule.Format(p.Min)}, {Schedule.Format(p.Max)}]");
            if (p.Integer && v != Math.Floor(v)) throw new ReproException($"--schedules: '{label}': {key} must be an integer, got {raw}");
            values[key] = v;
        }
        var changed = info.Parameters.Where(p => values[p.Name] != p.Default).Select(p => $"{p.Name}={Schedule.Format(values[p.Name])}").ToList();
        if (sftLoss != "nll" && aliasName is null) changed.Add($"sft_loss={sftLoss}");
        string name = (aliasName ?? info.Family) + string.Concat(changed.Select(c => ":" + c));
        return info.Make(info, values, SftTokenLoss.Parse(sftLoss, name), name);
    }

    /// <summary>The family a run reports under: the alias when the spec used one (so `dft` plots as its own family).</summary>
    public static string FamilyOf(Schedule s) => Aliases.Keys.FirstOrDefault(a => s.Name == a || s.Name.StartsWith(a + ":", StringComparison.Ordinal)) ?? s.Info.Family;

    private static string Describe(ScheduleInfo info) =>
        info.Parameters.Count == 0 && !info.HasSftTerm ? "none" : string.Join(", ", info.Parameters.Select(p => p.Name).Concat(info.HasSftTerm ? ["sft_loss"] : []));

    /// <summary>`repro frontier --help`'s list: every schedule, its parameters with defaults and ranges, and its source.</summary>
    public static string Help()
    {
        var sb = new StringBuilder();
        foreach (var e in Entries)
        {
            sb.AppendLine($"  {e.Family}: {e.Summary} [{e.Source}]");
            foreach (var p in e.Parameters)
                sb.AppendLine($"      {p.Name} = {Schedule.Format(p.Default)} in [{Schedule.Format(p.Min)}, {Schedule.Format(p.Max)}]: {p.Help}");
            if (e.HasSftTerm) sb.AppendLine("      sft_loss = nll (nll | dft): the SFT term's token weight; dft = DFT's sg(p)·(−log p)");
        }
        foreach (var (alias, expansion) in Aliases) sb.AppendLine($"  {alias}: {expansion}");
        sb.Append($"  all: {string.Join(", ", All)}");
        return sb.ToString();
    }
}
