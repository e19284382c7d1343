using System.Threading.Channels;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.NetStack.Api;

/// <summary>Accepts stack connections as <see cref="TcpPipeConnection"/>s.</summary>
public sealed class TcpPipeListener : ITcpAcceptHandler
{
    private readonly IStackDispatcher _host;
    private readonly Channel<TcpPipeConnection> _accepted = Channel.CreateUnbounded<TcpPipeConnection>(new UnboundedChannelOptions { SingleReader = false });

    private TcpPipeListener(IStackDispatcher host) => _host = host;

    /// <summary>Starts listening on <paramref name="port"/> of the dispatcher's stack.</summary>
    public static async Task<TcpPipeListener> StartAsync(IStackDispatcher host, ushort port)
    {
        ArgumentNullException.ThrowIfNull(host);
        var listener = new TcpPipeListener(host);
        await host.InvokeAsync(() => host.Stack.Listen(port, listener)).ConfigureAwait(false);
        return listener;
    }

    /// <summary>The next established connection.</summary>
    public ValueTask<TcpPipeConnection> AcceptAsync(CancellationToken cancellationToken = default) => _accepted.Reader.ReadAsync(cancellationToken);

    ITcpConnectionHandler? ITcpAcceptHandler.OnConnectionEstablished(TcpConnection connection)
    {
        // Published with its connection already attached: the acceptor may read FourTuple before the stack gets
        // round to OnConnected (it did: port 0 under load).
        var pipe = new TcpPipeConnection(_host, connection);
        _accepted.Writer.TryWrite(pipe);
        return pipe;
    }
}
