using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace RdmaOffload.TargetAdapter.Service;

/// <summary>
/// Serves admin commands on a Unix domain socket (root-only, mode 600): a client writes one command line, reads
/// the answer until the server closes. <c>RdmaOffload.TargetAdapter admin COMMAND</c> is that client.
/// </summary>
internal sealed class AdminServer : IDisposable
{
    private const int MaxCommandLength = 256;
    private readonly Socket _listener;
    private readonly string _path;
    private readonly AdminCommands _commands;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();

    private AdminServer(Socket listener, string path, AdminCommands commands, ILogger logger)
    {
        _listener = listener;
        _path = path;
        _commands = commands;
        _logger = logger;
    }

    public static AdminServer Start(string path, AdminCommands commands, ILogger logger)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (File.Exists(path))
        {
            File.Delete(path); // a stale socket of an earlier run
        }

        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }

        var server = new AdminServer(listener, path, commands, logger);
        _ = Task.Run(server.AcceptLoopAsync);
        return server;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
            // Already gone.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var command = await ReadCommandAsync(client, timeout.Token).ConfigureAwait(false);
                var answer = await _commands.ExecuteAsync(command).ConfigureAwait(false);
                await client.SendAsync(Encoding.UTF8.GetBytes(answer), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                client.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or InvalidDataException)
            {
                ServiceLog.AdminFailed(_logger, e.Message);
            }
        }
    }

    private static async Task<string> ReadCommandAsync(Socket client, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxCommandLength];
        var length = 0;
        while (length < buffer.Length)
        {
            var n = await client.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            length += n;
            if (Array.IndexOf(buffer, (byte)'\n', 0, length) >= 0)
            {
                break;
            }
        }

        var text = Encoding.UTF8.GetString(buffer, 0, length);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0 && length == buffer.Length)
        {
            throw new InvalidDataException($"admin command longer than {MaxCommandLength} bytes");
        }

        return (newline >= 0 ? text[..newline] : text).Trim();
    }
}
