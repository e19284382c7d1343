using System.Net;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>An incoming request: the passive side creates the QP and accepts, or rejects.</summary>
internal sealed class CmConnectionRequest : IRdmaConnectionRequest
{
    private readonly IbVerbsConnectionManager _manager;
    private readonly CmEndpoint _endpoint;
    private readonly RdmaConnectionOptions _options;
    private int _answered;

    internal CmConnectionRequest(IbVerbsConnectionManager manager, CmEndpoint endpoint, CmEvent request, RdmaConnectionOptions options)
    {
        _manager = manager;
        _endpoint = endpoint;
        _options = options;
        PrivateData = request.PrivateData;
        RemoteEndPoint = request.RemoteEndPoint ?? new IPEndPoint(IPAddress.None, 0);
    }

    public IPEndPoint RemoteEndPoint { get; }

    public ReadOnlyMemory<byte> PrivateData { get; }

    public async Task<IRdmaConnection> AcceptAsync(ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default)
    {
        if (privateData.Length > IbVerbsConnectionManager.MaxAcceptPrivateData)
        {
            throw new ArgumentException($"RDMA CM carries at most {IbVerbsConnectionManager.MaxAcceptPrivateData} bytes of private data with an accept", nameof(privateData));
        }

        TakeAnswer();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        CmConnectionResources? resources = null;
        try
        {
            resources = CmConnectionResources.Create(_manager.Provider, _endpoint.Id, _options);
            // Safe: `fixed` pins the private data (null if empty, length 0) only for the call; its length is
            // <= MaxAcceptPrivateData (checked above) and rdma_accept copies it before returning.
            unsafe
            {
                fixed (byte* data = privateData.Span)
                {
                    NativeErrors.ThrowIfNegative(
                        ConnectionManager.Accept(_endpoint.Id.Pointer, data, (byte)privateData.Length, _options.ReadDepth, _options.ReadDepth, _options.RnrRetryCount),
                        "rdma_accept");
                }
            }

            await _endpoint.ExpectAsync(CmEventType.Established, "accept", timeout.Token).ConfigureAwait(false);
            return new CmConnection(_endpoint, resources, PrivateData.ToArray(), RemoteEndPoint);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            resources?.Dispose();
            _endpoint.Dispose();
            throw new RdmaConnectionException($"RDMA CM: accepting {RemoteEndPoint} timed out after {_options.Timeout}");
        }
        catch
        {
            resources?.Dispose();
            _endpoint.Dispose();
            throw;
        }
    }

    public void Reject(ReadOnlyMemory<byte> privateData)
    {
        if (privateData.Length > IbVerbsConnectionManager.MaxRejectPrivateData)
        {
            throw new ArgumentException($"RDMA CM carries at most {IbVerbsConnectionManager.MaxRejectPrivateData} bytes of private data with a reject", nameof(privateData));
        }

        TakeAnswer();
        try
        {
            // Safe: `fixed` pins the private data (null if empty, length 0) only for the call; its length is
            // <= MaxRejectPrivateData (checked above) and rdma_reject copies it before returning.
            unsafe
            {
                fixed (byte* data = privateData.Span)
                {
                    NativeErrors.ThrowIfFailedWithErrno(ConnectionManager.Reject(_endpoint.Id.Pointer, data, (byte)privateData.Length), "rdma_reject");
                }
            }
        }
        finally
        {
            _endpoint.Dispose();
        }
    }

    /// <summary>An unanswered request is rejected without private data.</summary>
    public void Dispose()
    {
        if (Volatile.Read(ref _answered) == 0)
        {
            try
            {
                Reject(ReadOnlyMemory<byte>.Empty);
            }
            catch (InvalidOperationException)
            {
                // answered concurrently
            }
        }
    }

    private void TakeAnswer()
    {
        if (Interlocked.Exchange(ref _answered, 1) != 0)
        {
            throw new InvalidOperationException("the connection request was already accepted or rejected");
        }
    }
}
