using System.Diagnostics;

namespace RdmaOffload.StaticFileServer.Tests.EndToEnd;

/// <summary>Runs the real curl; a missing curl fails the test with a clear message.</summary>
internal static class Curl
{
    private static readonly string[] CommonArguments = ["--silent", "--show-error", "--max-time", "60"];

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in CommonArguments.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("curl did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"These tests need curl on PATH (apt-get install curl): {e.Message}");
            throw;
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(90));
            return (process.ExitCode, await output, await error);
        }
    }
}
