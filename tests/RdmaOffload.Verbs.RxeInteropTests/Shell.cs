using System.Diagnostics;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>Runs the few system commands the interop network needs (ip, rdma), failing clearly.</summary>
internal static class Shell
{
    internal static string Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {command}");
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error.Trim()}");
        }

        return output;
    }

    internal static void TryRun(string command, params string[] arguments)
    {
        try
        {
            Run(command, arguments);
        }
        catch (InvalidOperationException)
        {
            // Best-effort cleanup: the object may not exist.
        }
    }
}
