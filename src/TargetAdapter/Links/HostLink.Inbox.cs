using System.Buffers;

namespace RdmaOffload.TargetAdapter.Links;

/// <summary>
/// Hands the channel's completion-thread events to the dispatcher thread in order, posting one drain per burst
/// (not one closure per message or RDMA completion), so the steady state allocates nothing.
/// </summary>
internal sealed partial class HostLink
{
    private void Enqueue(in LinkEvent linkEvent)
    {
        _inbox.Enqueue(linkEvent);
        if (Interlocked.Exchange(ref _drainScheduled, 1) == 0)
        {
            _processor.Dispatcher.Post(_drainInbox);
        }
    }

    private void DrainInbox()
    {
        // Cleared before draining: an event enqueued after this either is drained below or schedules a new drain.
        Volatile.Write(ref _drainScheduled, 0);
        while (_inbox.TryDequeue(out var linkEvent))
        {
            switch (linkEvent.Kind)
            {
                case LinkEventKind.Batch:
                    try
                    {
                        if (!_closed)
                        {
                            HandleBatch(linkEvent.Batch.AsSpan(0, linkEvent.Length));
                        }
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(linkEvent.Batch!);
                    }

                    break;
                case LinkEventKind.Operation:
                    if (_bySlot[(int)(linkEvent.Token >> 1)] is { } connection)
                    {
                        connection.OnOperationCompleted(isRead: (linkEvent.Token & 1) != 0);
                    }

                    break;
                case LinkEventKind.Failed:
                    Close(linkEvent.Cause!);
                    break;
            }
        }
    }

    private enum LinkEventKind : byte
    {
        Batch,
        Operation,
        Failed,
    }

    private readonly record struct LinkEvent(LinkEventKind Kind, byte[]? Batch, int Length, ulong Token, string? Cause);
}
