using System.Buffers;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent;

/// <summary>The receive loop: adapter-written bytes into <see cref="Input"/> (the send loop is in AcceleratedConnection.Send.cs).</summary>
public sealed partial class AcceleratedConnection
{
    /// <summary>
    /// Copies each written range out of its receive buffer into the input pipe, in the adapter's order, and reposts
    /// a buffer once it is full and copied. A full input pipe stalls this loop, so buffers stay unposted and the
    /// adapter's advertised TCP window closes: the application's reading pace is the client's sending pace.
    /// </summary>
    private async Task ReceivePumpAsync()
    {
        var pool = _link.ReceiveBuffers;
        var writer = _input.Writer;
        var readerGone = false;
        await foreach (var item in _inbound.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            switch (item.Kind)
            {
                case InboundKind.Data:
                    if (!readerGone)
                    {
                        pool.Read(item.BufferId, item.Offset, item.Count).CopyTo(writer.GetSpan((int)item.Count));
                        writer.Advance((int)item.Count);
                    }

                    if (item.Offset + item.Count == pool.BufferSize)
                    {
                        lock (_link.Gate)
                        {
                            PostReceiveBuffer(item.BufferId);
                        }
                    }

                    if (!readerGone)
                    {
                        var flush = await writer.FlushAsync().ConfigureAwait(false);
                        readerGone = flush.IsCompleted;
                    }

                    break;
                case InboundKind.Fin:
                    ReclaimReceiveBuffers();
                    await writer.CompleteAsync().ConfigureAwait(false);
                    return; // nothing follows the adapter's Fin but a reset, which needs no receive-side work

                case InboundKind.Reset:
                    ReclaimReceiveBuffers();
                    await writer.CompleteAsync(item.Error).ConfigureAwait(false);
                    return;
            }
        }
    }

    private void ReclaimReceiveBuffers()
    {
        lock (_link.Gate)
        {
            while (_session.Credit.TryReclaim(out var buffer, out _))
            {
                _link.ReceiveBuffers.Return(buffer.BufferId);
            }

            CheckClosedLocked();
        }
    }
}
