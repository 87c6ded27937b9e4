namespace Reproduction.Runtime;

/// <summary>Resident memory of this process from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM), in bytes.</summary>
public static class ProcessMemory
{
    public static long? PeakResidentBytes() => Read("VmHWM:");
    public static long? ResidentBytes() => Read("VmRSS:");

    private static long? Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        foreach (var line in File.ReadLines(status))
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var kb = line[key.Length..].Trim().Split(' ')[0];
                return long.TryParse(kb, out var v) ? v * 1024 : null;
            }
        return null;
    }
}
