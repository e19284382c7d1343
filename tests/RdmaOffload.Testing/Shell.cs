using System.Diagnostics;

namespace RdmaOffload.Testing;

/// <summary>Runs external tools with a timeout and captures their output.</summary>
public static class Shell
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public Result EnsureSuccess(string what)
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"{what} failed with exit code {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}");
            }

            return this;
        }
    }

    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            var output = await stdout;
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish within {timeout}. stderr: {await stderr} " +
                $"stdout (tail): {(output.Length > 1500 ? output[^1500..] : output)}");
        }

        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static Result Run(string file, params string[] arguments) =>
        RunAsync(file, arguments, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();

    /// <summary>The absolute path of <paramref name="tool"/> on PATH, or null.</summary>
    public static string? Which(string tool)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(directory, tool);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Fails the test with a clear message when not root or a tool is missing (never a silent skip).</summary>
    public static void RequireRootAndTools(params string[] tools)
    {
        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root")
        {
            Assert.Fail("These tests need root (network namespaces, TAP devices). Run as root.");
        }

        var missing = tools.Where(t => Which(t) is null).ToList();
        if (missing.Count > 0)
        {
            Assert.Fail($"These tests need these tools: {string.Join(", ", missing)}. Install them with scripts/install-deps netns.");
        }

        if (!File.Exists("/dev/net/tun"))
        {
            Assert.Fail("/dev/net/tun is missing: the kernel has no TUN/TAP support.");
        }
    }
}
