using System.Diagnostics;
using System.Text.RegularExpressions;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

/// <summary>
/// A product executable (the adapter, a sample host) run by a test: its output is kept (and echoed to the test's
/// progress log with a prefix), the test can wait for a line, and dispose stops it (SIGTERM, then SIGKILL).
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _label;
    private readonly List<string> _lines = [];
    private readonly List<(Regex Pattern, TaskCompletionSource<string> Seen)> _waiters = [];

    private ServiceProcess(Process process, string label)
    {
        _process = process;
        _label = label;
    }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public static ServiceProcess Start(string label, string dll, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, label);
        process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Cannot start {dll}.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/> (also one printed already).</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            var earlier = _lines.FirstOrDefault(regex.IsMatch);
            if (earlier is not null)
            {
                return earlier;
            }

            _waiters.Add((regex, seen));
        }

        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first == seen.Task)
        {
            return await seen.Task;
        }

        var tail = string.Join("\n  ", Lines.TakeLast(30));
        Assert.Fail(first == exited
            ? $"{_label} exited with code {_process.ExitCode} before printing /{pattern}/:\n  {tail}"
            : $"{_label} did not print /{pattern}/ within {timeout}:\n  {tail}");
        throw new InvalidOperationException("unreachable");
    }

    public int CountLines(string pattern)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        return Lines.Count(regex.IsMatch);
    }

    /// <summary>Resident set size in bytes, from /proc.</summary>
    public long ResidentBytes() => ProcessMemory.ResidentBytes(_process.Id);

    /// <summary>Kills the process at once (SIGKILL), as a crash would.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for its exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            _ = Tmds.Linux.LibC.kill(_process.Id, Tmds.Linux.LibC.SIGTERM);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(10));
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        TestContext.Progress.WriteLine($"[{_label}] {line}");
        lock (_lines)
        {
            _lines.Add(line);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Pattern.IsMatch(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
