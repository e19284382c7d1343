using System.Collections.Concurrent;
using System.Diagnostics;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Link;

namespace RdmaOffload.NetStack.Tap;

/// <summary>
/// Runs a <see cref="NetworkStack"/> on a <see cref="TapDevice"/>: one dedicated thread waits on the TAP and a wake-up
/// eventfd, feeds frames to the stack in batches, polls its timers and runs work posted from other threads. This is
/// the only place that reads a clock; the stack itself stays sans-IO.
/// </summary>
public sealed class NetStackHost : IFrameSink, IStackDispatcher, IDisposable
{
    /// <summary>Frames read per wake-up before timers and posted work get a turn.</summary>
    private const int ReadBatch = 64;

    private readonly TapDevice _tap;
    private readonly FileDescriptorHandle _wakeFd;
    private readonly byte[] _rxBuffer = new byte[VirtioNetHeader.Size + 65536 + 64];
    private readonly byte[] _txBuffer;
    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Thread _thread;
    private readonly LinkFaults? _faults;
    private readonly PriorityQueue<DelayedFrame, (long At, long Order)> _delayed = new();
    private long _delayedOrder;
    private volatile bool _stopping;
    private Exception? _failure;

    /// <summary>Creates the stack on <paramref name="tap"/>; call <see cref="Start"/> to run it.</summary>
    /// <param name="tap">The TAP device the stack owns.</param>
    /// <param name="options">Stack configuration.</param>
    /// <param name="faults">Optional impairments for tests (both directions).</param>
    public NetStackHost(TapDevice tap, NetworkStackOptions options, LinkFaults? faults = null)
    {
        _faults = faults;
        ArgumentNullException.ThrowIfNull(tap);
        ArgumentNullException.ThrowIfNull(options);
        _tap = tap;
        // Room for a 64 KiB TSO frame as well as a full MTU frame.
        _txBuffer = new byte[VirtioNetHeader.Size + Math.Max(options.MaxFrameLength, 65536 + 14) + 64];
        var fd = TapInterop.CreateEventFd();
        if (fd < 0)
        {
            throw new System.ComponentModel.Win32Exception(TapInterop.LastErrno, "eventfd failed.");
        }

        _wakeFd = new FileDescriptorHandle(fd);
        Stack = new NetworkStack(options, this);
        _thread = new Thread(Run) { IsBackground = true, Name = $"netstack-{tap.Name}" };
    }

    /// <summary>The stack; touch it only from posted work or stack callbacks.</summary>
    public NetworkStack Stack { get; }

    /// <summary>Frames the kernel would not take (queue full).</summary>
    public long TransmitDrops { get; private set; }

    /// <summary>The failure that stopped the loop (a TAP I/O error), if any.</summary>
    public Exception? Failure => _failure;

    /// <summary>Exceptions thrown by posted work or connection owners; each was contained and the loop went on.</summary>
    public long ContainedErrors { get; private set; }

    /// <summary>The most recent contained exception (diagnostics).</summary>
    public Exception? LastContainedError { get; private set; }

    /// <summary>
    /// Raised on the stack thread with each contained exception, so an owner can log it: the connection whose owner
    /// threw gets no further help from the stack and may hang. A handler must not throw.
    /// </summary>
    public event Action<Exception, long>? ErrorContained;

    /// <summary>Microseconds on the host's monotonic clock (what the stack is fed).</summary>
    public static long Now => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    /// <summary>Starts the loop thread and announces the address.</summary>
    public void Start()
    {
        Post(() => Stack.AnnounceAddress(Now));
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> on the loop thread (then polls the stack).</summary>
    public void Post(Action work)
    {
        _posted.Enqueue(work);
        TapInterop.SignalEventFd(_wakeFd.Fd);
    }

    /// <summary>The kernel segments TCP/IPv4 for us (virtio GSO): up to a 64 KiB IP packet per write.</summary>
    int IFrameSink.SegmentationOffloadLimit => 65535 - 20 - 60;

    void IFrameSink.CommitSegmented(int length, int headerLength, int segmentSize)
    {
        const int ChecksumStart = 14 + 20;
        new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, (ushort)headerLength, (ushort)segmentSize,
            ChecksumStart, 16).Write(_txBuffer);
        var frame = _txBuffer.AsSpan(0, VirtioNetHeader.Size + length);
        if (_faults is not null && Impair(frame, toStack: false))
        {
            return;
        }

        if (!_tap.Write(frame))
        {
            TransmitDrops++;
        }
    }

    Span<byte> IFrameSink.GetFrameBuffer(int maxLength)
    {
        if (maxLength + VirtioNetHeader.Size > _txBuffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLength), "Frame larger than the configured MTU.");
        }

        return _txBuffer.AsSpan(VirtioNetHeader.Size);
    }

    void IFrameSink.Commit(int length)
    {
        // Checksums are complete and segments MSS-sized, so the header says "nothing to offload".
        _txBuffer.AsSpan(0, VirtioNetHeader.Size).Clear();
        var frame = _txBuffer.AsSpan(0, VirtioNetHeader.Size + length);
        if (_faults is not null && Impair(frame, toStack: false))
        {
            return;
        }

        if (!_tap.Write(frame))
        {
            TransmitDrops++;
        }
    }

    /// <summary>Applies <see cref="LinkFaults"/>; returns true when the frame was consumed (dropped or queued).</summary>
    private bool Impair(ReadOnlySpan<byte> frame, bool toStack)
    {
        if (_faults!.Drop())
        {
            return true;
        }

        var copies = _faults.Duplicate() ? 2 : 1;
        var delay = _faults.DelayFor();
        if (delay == 0 && copies == 1)
        {
            return false;
        }

        for (var i = 0; i < copies; i++)
        {
            _delayed.Enqueue(new DelayedFrame(frame.ToArray(), toStack), (Now + delay, _delayedOrder++));
        }

        return true;
    }

    private void ReleaseDelayedFrames()
    {
        while (_delayed.TryPeek(out var frame, out var key) && key.At <= Now)
        {
            _delayed.Dequeue();
            if (frame.ToStack)
            {
                _ = VirtioNetHeader.TryRead(frame.Bytes, out var header);
                Stack.Handle(frame.Bytes.AsSpan(VirtioNetHeader.Size), Now, header.ChecksumTrusted);
            }
            else if (!_tap.Write(frame.Bytes))
            {
                TransmitDrops++;
            }
        }
    }

    private void Contain(Exception e)
    {
        ContainedErrors++;
        LastContainedError = e;
        ErrorContained?.Invoke(e, ContainedErrors);
    }

    private readonly record struct DelayedFrame(byte[] Bytes, bool ToStack);

    /// <summary>Stops the loop and waits for it.</summary>
    public void Dispose()
    {
        _stopping = true;
        TapInterop.SignalEventFd(_wakeFd.Fd);
        if (_thread.IsAlive)
        {
            _thread.Join();
        }

        _wakeFd.Dispose();
    }

    private void Run()
    {
        try
        {
            Span<int> fds = [_tap.Fd, _wakeFd.Fd];
            while (!_stopping)
            {
                var now = Now;
                var next = Stack.NextPollTime;
                if (_delayed.TryPeek(out _, out var delayedKey))
                {
                    next = Math.Min(next, delayedKey.At);
                }

                var timeout = next == long.MaxValue ? 1000 : (int)Math.Clamp((next - now + 999) / 1000, 0, 1000);
                var ready = _posted.IsEmpty ? TapInterop.WaitReadable(fds, timeout) : 0;
                if ((ready & 2) != 0)
                {
                    TapInterop.DrainEventFd(_wakeFd.Fd);
                }

                for (var i = 0; i < ReadBatch; i++)
                {
                    var n = _tap.Read(_rxBuffer);
                    if (n <= VirtioNetHeader.Size)
                    {
                        break;
                    }

                    if (_faults is not null && Impair(_rxBuffer.AsSpan(0, n), toStack: true))
                    {
                        continue;
                    }

                    _ = VirtioNetHeader.TryRead(_rxBuffer, out var header);
                    try
                    {
                        Stack.Handle(_rxBuffer.AsSpan(VirtioNetHeader.Size, n - VirtioNetHeader.Size), Now, header.ChecksumTrusted);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Contain(e); // parsers never throw, so this is an owner callback: keep serving everyone else
                    }
                }

                if (_delayed.Count > 0)
                {
                    ReleaseDelayedFrames();
                }

                while (_posted.TryDequeue(out var work))
                {
                    try
                    {
                        work();
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        Contain(e);
                    }
                }

                try
                {
                    Stack.Poll(Now);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Contain(e);
                }
            }
        }
        catch (Exception e)
        {
            _failure = e;
        }
    }
}
