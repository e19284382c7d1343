using System.Net;
using System.Net.Sockets;

namespace RdmaOffload.Testing;

/// <summary>
/// A network namespace this test made (<c>ip netns add</c>), removed on dispose. Kernel TCP sockets are created inside
/// it by a short-lived thread that enters it (setns); the sockets then work from any thread of this process.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    private static int s_instances;

    public NetworkNamespace(string prefix)
    {
        Shell.RequireRootAndTools("ip");
        Name = $"{prefix}{Environment.ProcessId % 100000}x{Interlocked.Increment(ref s_instances)}";
        Shell.Run("ip", "netns", "add", Name).EnsureSuccess("ip netns add");
        Run("ip", "link", "set", "lo", "up").EnsureSuccess("lo up");
    }

    public string Name { get; }

    public string Path => $"/var/run/netns/{Name}";

    public Shell.Result Run(params string[] command) => Shell.Run("ip", ["netns", "exec", Name, .. command]);

    public Task<Shell.Result> RunAsync(TimeSpan timeout, params string[] command) =>
        Shell.RunAsync("ip", ["netns", "exec", Name, .. command], timeout);

    /// <summary>A kernel TCP socket created inside the namespace, connected to <paramref name="server"/>.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint server, CancellationToken cancellationToken = default)
    {
        var socket = CreateInside(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        try
        {
            await socket.ConnectAsync(server, cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="create"/> on a thread inside the namespace and returns what it made.</summary>
    public T CreateInside<T>(Func<T> create)
        where T : class
    {
        T? made = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var ns = File.OpenHandle(Path);
                if (Tmds.Linux.LibC.setns((int)ns.DangerousGetHandle(), Tmds.Linux.LibC.CLONE_NEWNET) != 0)
                {
                    throw new InvalidOperationException($"setns {Name} failed: errno {Tmds.Linux.LibC.errno}");
                }

                made = create();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or SocketException or UnauthorizedAccessException)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return made ?? throw new InvalidOperationException($"Cannot create inside namespace {Name}.", failure);
    }

    public void Dispose() => Shell.Run("ip", "netns", "del", Name);
}
