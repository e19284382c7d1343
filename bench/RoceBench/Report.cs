using System.Globalization;
using System.Text;

namespace RdmaOffload.Bench.Roce;

/// <summary>The run's figures as a markdown table (median and min–max over repetitions) and a CSV of every repetition.</summary>
internal sealed class Report
{
    private readonly BenchOptions _options;
    private readonly string _commandLine;
    private readonly string _loadBefore;
    private readonly string _loadAfter;
    private readonly string _counters;
    private readonly IReadOnlyList<BandwidthSample> _bandwidth;
    private readonly IReadOnlyList<LatencySample> _latency;
    private readonly DateTime _when = DateTime.UtcNow;

    public Report(BenchOptions options, string commandLine, string loadBefore, string loadAfter, string counters, IReadOnlyList<BandwidthSample> bandwidth, IReadOnlyList<LatencySample> latency)
    {
        _options = options;
        _commandLine = commandLine;
        _loadBefore = loadBefore;
        _loadAfter = loadAfter;
        _counters = counters;
        _bandwidth = bandwidth;
        _latency = latency;
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(Invariant($"managed-roce RDMA READ, two processes, {_options.ClientAddress} → {_options.ServerAddress} (UDP, batched I/O {OnOff(_options.BatchedIo)}, GSO/GRO {OnOff(_options.Segmentation)})"));
        text.AppendLine(Invariant($"{_when:yyyy-MM-dd HH:mm} UTC, {Environment.MachineName}, {Environment.ProcessorCount} cores, {Cpu()}, kernel {Kernel()}, load average before {_loadBefore}, after {_loadAfter}"));
        text.AppendLine(Invariant($"command: `{_commandLine}`"));
        text.AppendLine();
        text.AppendLine("| test | size | queue depth | median | min–max | repetitions | CPU per GiB, both processes (median) |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var group in _bandwidth.GroupBy(s => s.Size))
        {
            var values = group.Select(s => s.MebibytesPerSecond).ToArray();
            text.AppendLine(Invariant($"| READ bandwidth | {Size(group.Key)} | {group.First().Depth} | {Median(values):F0} MiB/s | {values.Min():F0}–{values.Max():F0} MiB/s | {values.Length} | {Median(group.Select(s => s.CpuMillisecondsPerGibibyte).ToArray()):F0} ms |"));
        }

        if (_latency.Count > 0)
        {
            var medians = _latency.Select(s => s.Median).ToArray();
            var p99s = _latency.Select(s => s.P99).ToArray();
            text.AppendLine(Invariant($"| READ latency, median | 8 B | 1 | {Median(medians):F1} µs | {medians.Min():F1}–{medians.Max():F1} µs | {medians.Length} × {_latency[0].Iterations} | |"));
            text.AppendLine(Invariant($"| READ latency, p99 | 8 B | 1 | {Median(p99s):F1} µs | {p99s.Min():F1}–{p99s.Max():F1} µs | {p99s.Length} × {_latency[0].Iterations} | |"));
        }

        if (_counters.Length > 0)
        {
            text.AppendLine();
            text.AppendLine(_counters);
        }

        return text.ToString();
    }

    public string Csv()
    {
        var text = new StringBuilder("test,bytes,depth,repetition,seconds,messages,mibps,client_cpu_s,server_cpu_s,min_us,median_us,p99_us,max_us\n");
        foreach (var group in _bandwidth.GroupBy(s => s.Size))
        {
            int rep = 1;
            foreach (var s in group)
            {
                text.AppendLine(Invariant($"read_bw,{s.Size},{s.Depth},{rep++},{s.Seconds:F6},{s.Messages},{s.MebibytesPerSecond:F2},{s.ClientCpuSeconds:F3},{s.ServerCpuSeconds:F3},,,,"));
            }
        }

        int latencyRep = 1;
        foreach (var s in _latency)
        {
            text.AppendLine(Invariant($"read_lat,8,1,{latencyRep++},,{s.Iterations},,,,{s.Min:F2},{s.Median:F2},{s.P99:F2},{s.Max:F2}"));
        }

        return text.ToString();
    }

    /// <summary>Writes <c>roce-LABEL-TIMESTAMP.md</c> and <c>.csv</c>; returns their paths.</summary>
    public (string Markdown, string Csv) Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string stem = Path.Combine(directory, Invariant($"roce-{_options.Label}-{_when:yyyyMMdd-HHmmss}"));
        File.WriteAllText(stem + ".md", Markdown());
        File.WriteAllText(stem + ".csv", Csv());
        return (stem + ".md", stem + ".csv");
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string Size(int bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} B";

    private static string OnOff(bool on) => on ? "on" : "off";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Kernel()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return Environment.OSVersion.VersionString;
        }
    }

    private static string Cpu()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "cpu unknown";
        }
        catch (IOException)
        {
            return "cpu unknown";
        }
    }
}
