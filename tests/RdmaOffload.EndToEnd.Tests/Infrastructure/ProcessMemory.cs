using System.Globalization;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

internal static class ProcessMemory
{
    /// <summary>VmRSS of a process in bytes (from /proc/PID/status).</summary>
    public static long ResidentBytes(int processId)
    {
        foreach (var line in File.ReadLines($"/proc/{processId}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS for process {processId}.");
    }
}
