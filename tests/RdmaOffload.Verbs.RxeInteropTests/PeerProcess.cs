using System.Diagnostics;
using System.Net;
using RdmaOffload.Verbs.RxeInteropPeer;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>The managed-roce peer, started in the interop namespace, driven line by line.</summary>
public sealed class PeerProcess : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(180);
    private readonly Process _process;
    private readonly List<string> _stderr = [];

    private PeerProcess(Process process)
    {
        _process = process;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.Add(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
    }

    internal static PeerProcess Start(IPAddress bindAddress, bool verifyIcrc)
    {
        string peer = Path.Combine(AppContext.BaseDirectory, "RdmaOffload.Verbs.RxeInteropPeer.dll");
        var start = new ProcessStartInfo("ip") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "netns", "exec", InteropNetwork.Namespace, "dotnet", peer, bindAddress.ToString() })
        {
            start.ArgumentList.Add(argument);
        }

        if (verifyIcrc)
        {
            start.ArgumentList.Add("--verify-icrc");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the managed-roce peer");
        var peerProcess = new PeerProcess(process);
        string ready = peerProcess.ReadLine();
        Assert.That(ready, Does.StartWith("ready "), "the managed-roce peer did not start");
        return peerProcess;
    }

    /// <summary>Sends a command and returns the reply; an "error" reply fails the test.</summary>
    internal string Call(string command)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        string reply = ReadLine();
        Assert.That(reply, Does.Not.StartWith("error"), $"peer command '{command}' failed");
        return reply;
    }

    internal QueuePairEndpoint Endpoint() => PeerCommands.DecodeEndpoint(Call("endpoint")["endpoint ".Length..]);

    private string ReadLine()
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(ReplyTimeout) || line.Result is null)
        {
            string stderr;
            lock (_stderr)
            {
                stderr = string.Join('\n', _stderr.TakeLast(20));
            }

            Assert.Fail($"the managed-roce peer gave no reply within {ReplyTimeout} (exited: {_process.HasExited}); its stderr:\n{stderr}");
        }

        return line.Result!;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.StandardInput.WriteLine("quit");
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // The peer is already gone.
            }

            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }
}
