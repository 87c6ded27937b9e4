namespace Reproduction.Runtime;

/// <summary>Resident memory of this process from /proc/self/status (Linux): current (VmRSS) and peak (VmHWM), in bytes; the peak can be reset.</summary>
public static class ProcessMemory
{
    public static long? PeakResidentBytes() => Read("VmHWM:");
    public static long? ResidentBytes() => Read("VmRSS:");

    /// <summary>Resets the peak (VmHWM) to the current RSS by writing "5" to /proc/self/clear_refs; false where that is not possible.</summary>
    public static bool ResetPeak()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); return true; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException) { return false; }
    }

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
