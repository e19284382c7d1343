using System.Buffers.Binary;
using RdmaOffload.Verbs.IbVerbs.Handles;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs;

/// <summary>
/// An <c>ibv_cq</c> with its own completion channel. Polling copies <c>ibv_wc</c>s into
/// <see cref="WorkCompletion"/>s; waiting is in <c>IbVerbsCompletionQueue.Waiting.cs</c>.
/// </summary>
internal sealed partial class IbVerbsCompletionQueue : ICompletionQueue
{
    private const int PollBatch = 32;
    private readonly IbVerbsDevice _device;
    private readonly CompletionChannelHandle _channel;
    private readonly int _channelFd;
    private int _disposed;

    private IbVerbsCompletionQueue(IbVerbsDevice device, CompletionChannelHandle channel, CompletionQueueHandle handle, int channelFd)
    {
        _device = device;
        _channel = channel;
        Handle = handle;
        _channelFd = channelFd;
        Capacity = CompletionQueues.CqCapacity(handle.Pointer);
    }

    public int Capacity { get; }

    internal CompletionQueueHandle Handle { get; }

    internal static IbVerbsCompletionQueue Create(IbVerbsDevice device, int minimumEntries)
    {
        var tracker = device.Provider.Tracker;
        var channel = new CompletionChannelHandle(tracker, device.Context);
        nint channelPointer = CompletionQueues.CreateCompletionChannel(device.Context.Pointer);
        if (channelPointer == 0)
        {
            channel.Abandon();
            throw new RdmaException($"ibv_create_comp_channel({device.Name}) failed");
        }

        channel.Attach(channelPointer);
        try
        {
            int fd = CompletionQueues.CompletionChannelFd(channelPointer);
            NativeErrors.ThrowIfNegative(Readiness.SetNonBlocking(fd), "fcntl(O_NONBLOCK) on the completion channel");
            var handle = new CompletionQueueHandle(tracker, device.Context, channel);
            nint cq = CompletionQueues.CreateCq(device.Context.Pointer, minimumEntries, channelPointer, out int error);
            if (cq == 0)
            {
                handle.Abandon();
                NativeErrors.Throw($"ibv_create_cq({minimumEntries} entries)", -error);
            }

            handle.Attach(cq);
            var queue = new IbVerbsCompletionQueue(device, channel, handle, fd);
            queue.StartWatching();
            return queue;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public int Poll(Span<WorkCompletion> completions)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        int copied = TakeStashed(completions);
        while (copied < completions.Length)
        {
            int wanted = Math.Min(completions.Length - copied, PollBatch);
            int polled = PollNative(completions[copied..]);
            copied += polled;
            if (polled < wanted)
            {
                break; // the CQ is empty: no second native call to learn that
            }
        }

        return copied;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Stop the dispatcher first: after this no event is read for the CQ, and every event read
        // so far was acknowledged, which ibv_destroy_cq requires.
        StopWatching();
        Handle.Dispose();
        _channel.Dispose();
        _device.Children.Remove(this);
    }

    /// <summary>Polls the native CQ into <paramref name="destination"/> (at most <see cref="PollBatch"/> at a time).</summary>
    private unsafe int PollNative(Span<WorkCompletion> destination)
    {
        int wanted = Math.Min(destination.Length, PollBatch);
        IbvWc* native = stackalloc IbvWc[PollBatch];
        int polled = CompletionQueues.PollCq(Handle.Pointer, wanted, native);
        NativeErrors.ThrowIfNegative(polled, "ibv_poll_cq");
        for (int i = 0; i < polled; i++)
        {
            destination[i] = Convert(in native[i]);
        }

        return polled;
    }

    private static WorkCompletion Convert(in IbvWc wc)
    {
        bool hasImmediate = (wc.WcFlags & IbvWcFlags.WithImmediate) != 0;
        return new WorkCompletion
        {
            WorkRequestId = wc.WrId,
            Status = (WorkCompletionStatus)wc.Status,
            Opcode = (WorkCompletionOpcode)wc.Opcode,
            VendorError = wc.VendorErr,
            ByteLength = wc.ByteLen,
            HasImmediate = hasImmediate,
            ImmediateData = hasImmediate ? BinaryPrimitives.ReverseEndianness(wc.ImmData) : 0,
            QueuePairNumber = wc.QpNum,
            SourceQueuePairNumber = wc.SrcQp,
        };
    }
}
