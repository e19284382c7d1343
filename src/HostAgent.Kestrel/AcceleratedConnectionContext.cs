using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>
/// An accelerated connection as Kestrel sees it: the transport is the connection's own pipes (output segments in
/// the link's registered pool, so response bytes are sent without a copy), the endpoints are the client's real
/// ones, and closing is idempotent — FIN when Kestrel finishes normally, RST on <see cref="Abort"/> or when the
/// client does not finish within the close timeout.
/// </summary>
internal sealed class AcceleratedConnectionContext : ConnectionContext,
    IConnectionIdFeature, IConnectionTransportFeature, IConnectionItemsFeature, IMemoryPoolFeature,
    IConnectionLifetimeFeature, IConnectionEndPointFeature
{
    private static long s_lastId;

    private readonly AcceleratedConnection _connection;
    private readonly TimeSpan _closeTimeout;
    private readonly CancellationTokenSource _closed = new();
    private readonly FeatureCollection _features = new();
    private IDictionary<object, object?>? _items;
    private int _aborted;
    private int _disposed;

    public AcceleratedConnectionContext(AcceleratedConnection connection, TimeSpan closeTimeout)
    {
        _connection = connection;
        _closeTimeout = closeTimeout;
        ConnectionId = $"rdma-{Interlocked.Increment(ref s_lastId):x}";
        Transport = connection;
        LocalEndPoint = connection.LocalEndPoint;
        RemoteEndPoint = connection.RemoteEndPoint;
        _features.Set<IConnectionIdFeature>(this);
        _features.Set<IConnectionTransportFeature>(this);
        _features.Set<IConnectionItemsFeature>(this);
        _features.Set<IMemoryPoolFeature>(this);
        _features.Set<IConnectionLifetimeFeature>(this);
        _features.Set<IConnectionEndPointFeature>(this);

        // Reset by the client or the link, or finished both ways: Kestrel aborts what is still running on it.
        connection.Closed.ContinueWith(static (_, state) => ((AcceleratedConnectionContext)state!).FireClosed(), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features => _features;

    public override IDictionary<object, object?> Items
    {
        get => _items ??= new ConnectionItems();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint { get; set; }

    public override EndPoint? RemoteEndPoint { get; set; }

    public override CancellationToken ConnectionClosed
    {
        get => _closed.Token;
        set => throw new NotSupportedException("The transport owns the connection-closed token.");
    }

    public MemoryPool<byte> MemoryPool => _connection.MemoryPool;

    public override void Abort(ConnectionAbortedException abortReason)
    {
        if (Interlocked.Exchange(ref _aborted, 1) == 0)
        {
            _connection.Abort();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Kestrel has completed the transport pipes by now: the output's completion is our FIN unless aborted.
            await _connection.DisposeAsync(_closeTimeout).ConfigureAwait(false);
            FireClosed();
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void FireClosed()
    {
        if (_closed.IsCancellationRequested)
        {
            return;
        }

        // Off the link's thread: Kestrel's callbacks may do real work.
        ThreadPool.UnsafeQueueUserWorkItem(static context =>
        {
            try
            {
                context._closed.Cancel();
            }
            catch (AggregateException)
            {
                // A callback Kestrel registered failed; it has logged it.
            }
        }, this, preferLocal: false);
    }
}
