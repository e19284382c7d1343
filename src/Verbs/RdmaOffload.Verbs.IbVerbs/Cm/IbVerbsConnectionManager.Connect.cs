using System.Net;
using RdmaOffload.Verbs.IbVerbs.Cm;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>The active side: resolve address, resolve route, create the QP, connect.</summary>
internal sealed partial class IbVerbsConnectionManager
{
    public async Task<IRdmaConnection> ConnectAsync(IPEndPoint remoteEndPoint, RdmaConnectionOptions options, ReadOnlyMemory<byte> privateData, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(remoteEndPoint);
        ArgumentNullException.ThrowIfNull(options);
        if (privateData.Length > MaxConnectPrivateData)
        {
            throw new ArgumentException($"RDMA CM carries at most {MaxConnectPrivateData} bytes of private data with a connect request", nameof(privateData));
        }

        ThrowIfDisposed();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        var endpoint = CreateEndpoint();
        CmConnectionResources? resources = null;
        try
        {
            int timeoutMs = (int)Math.Clamp(options.Timeout.TotalMilliseconds, 1, int.MaxValue);
            var (address, family) = CmAddress.ToNative(remoteEndPoint.Address);
            // Safe: `fixed` pins the 16-byte `address` array for the call; the shim reads 4 or 16 bytes of it
            // (per `family`) into its own sockaddr before returning.
            unsafe
            {
                fixed (byte* raw = address)
                {
                    NativeErrors.ThrowIfNegative(
                        ConnectionManager.ResolveAddress(endpoint.Id.Pointer, raw, family, (ushort)remoteEndPoint.Port, timeoutMs),
                        $"rdma_resolve_addr({remoteEndPoint})");
                }
            }

            await endpoint.ExpectAsync(CmEventType.AddressResolved, "address resolution", timeout.Token).ConfigureAwait(false);
            NativeErrors.ThrowIfFailedWithErrno(ConnectionManager.ResolveRoute(endpoint.Id.Pointer, timeoutMs), "rdma_resolve_route");
            await endpoint.ExpectAsync(CmEventType.RouteResolved, "route resolution", timeout.Token).ConfigureAwait(false);

            resources = CmConnectionResources.Create(Provider, endpoint.Id, options);
            // Safe: `fixed` pins the private data (<= MaxConnectPrivateData bytes, checked above) only for
            // the call; rdma_connect copies it into the connect request before returning.
            unsafe
            {
                fixed (byte* data = privateData.Span)
                {
                    NativeErrors.ThrowIfNegative(
                        ConnectionManager.Connect(endpoint.Id.Pointer, data, (byte)privateData.Length, options.ReadDepth, options.ReadDepth, options.RetryCount, options.RnrRetryCount),
                        "rdma_connect");
                }
            }

            var established = await endpoint.ExpectAsync(CmEventType.Established, "connect", timeout.Token).ConfigureAwait(false);
            return new CmConnection(endpoint, resources, established.PrivateData, remoteEndPoint);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            resources?.Dispose();
            endpoint.Dispose();
            throw new RdmaConnectionException($"RDMA CM: connecting to {remoteEndPoint} timed out after {options.Timeout}");
        }
        catch
        {
            resources?.Dispose();
            endpoint.Dispose();
            throw;
        }
    }
}
