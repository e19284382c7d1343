using System.Buffers;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.HostAgent;

/// <summary>The two per-connection loops: adapter-written bytes into <see cref="Input"/>, <see cref="Output"/> into send descriptors.</summary>
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

    /// <summary>
    /// Copies what the application writes into registered send buffers and posts one descriptor per buffer. Waiting
    /// for a free buffer (shared by the link) or a descriptor slot (per connection) is the send back-pressure.
    /// </summary>
    private async Task SendPumpAsync()
    {
        var reader = _output.Reader;
        var pool = _link.SendBuffers;
        var cancel = _sendAbort.Token;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancel).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    await _sendSlots.WaitAsync(cancel).ConfigureAwait(false);
                    var id = await pool.RentAsync(cancel).ConfigureAwait(false);
                    var length = (int)Math.Min(buffer.Length, pool.BufferSize);
                    buffer.Slice(0, length).CopyTo(pool.Buffer(id));
                    buffer = buffer.Slice(length);
                    var descriptor = new SendDescriptor(id, pool.RemoteKey, pool.AddressOf(id), (uint)length);
                    lock (_link.Gate)
                    {
                        if (!_session.PostSend(descriptor).IsAccepted)
                        {
                            pool.Return(id);
                            throw new OperationCanceledException("the connection no longer sends");
                        }

                        _link.Transport.Send(WorkQueue, descriptor);
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            await reader.CompleteAsync().ConfigureAwait(false);
            lock (_link.Gate)
            {
                if (_session.OnSent(MessageType.Fin).IsAccepted)
                {
                    _link.Transport.Send(WorkQueue, default(Fin));
                }

                CheckClosedLocked();
            }
        }
        catch (OperationCanceledException)
        {
            await reader.CompleteAsync(new IOException("The connection was reset.")).ConfigureAwait(false);
        }
    }
}
