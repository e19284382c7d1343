using System.Collections.Concurrent;
using System.Net;
using RdmaOffload.Fabric;
using RdmaOffload.Protocol.Messages;
using RdmaOffload.Protocol.Wire;
using RdmaOffload.Verbs;

namespace RdmaOffload.HostAgent.Tests;

/// <summary>How the link channel packs frames into SENDs: one per frame, or shared, in order, at a flush.</summary>
[NonParallelizable]
public sealed class LinkChannelCoalescingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static int s_lastAddress;

    [Test]
    public async Task Without_a_flush_scheduler_every_frame_is_its_own_send()
    {
        await using var pair = await ChannelPair.ConnectAsync(scheduleFlush: null);
        for (ulong token = 1; token <= 5; token++)
        {
            pair.Sender.Send(0, new Ping(token));
        }

        var batches = await pair.Receiver.WaitForFramesAsync(5);
        Assert.That(batches.Select(b => b.Count), Is.All.EqualTo(1));
        Assert.That(batches.SelectMany(b => b), Is.EqualTo(Enumerable.Range(1, 5).Select(i => (ulong)i)));
    }

    [Test]
    public async Task Frames_sent_before_the_scheduled_flush_share_one_send_in_order()
    {
        var scheduled = new ConcurrentQueue<Action>();
        await using var pair = await ChannelPair.ConnectAsync(scheduled.Enqueue);
        for (ulong token = 1; token <= 20; token++)
        {
            pair.Sender.Send(0, new Ping(token));
        }

        Assert.That(scheduled, Has.Count.EqualTo(1), "one flush scheduled for the open slot, not one per frame");
        await Task.Delay(200);
        Assert.That(pair.Receiver.FrameCount, Is.Zero, "nothing leaves before the flush runs");

        RunAll(scheduled);
        var batches = await pair.Receiver.WaitForFramesAsync(20);
        Assert.That(batches, Has.Count.EqualTo(1));
        Assert.That(batches[0], Is.EqualTo(Enumerable.Range(1, 20).Select(i => (ulong)i)));
    }

    [Test]
    public async Task Frames_beyond_one_slot_spill_into_further_sends_and_keep_their_order()
    {
        var scheduled = new ConcurrentQueue<Action>();
        await using var pair = await ChannelPair.ConnectAsync(scheduled.Enqueue);

        // A Ping frame is 20 bytes: 204 fit in a 4 KiB slot, so 1000 need five SENDs.
        const int Frames = 1000;
        for (ulong token = 1; token <= Frames; token++)
        {
            pair.Sender.Send(0, new Ping(token));
        }

        RunAll(scheduled);
        var batches = await pair.Receiver.WaitForFramesAsync(Frames);
        Assert.That(batches.SelectMany(b => b), Is.EqualTo(Enumerable.Range(1, Frames).Select(i => (ulong)i)), "every frame, in order");
        Assert.That(batches, Has.Count.InRange(5, 6), string.Join(",", batches.Select(b => b.Count)));
    }

    [Test]
    public async Task More_frames_than_the_send_queue_holds_wait_in_order_and_all_arrive()
    {
        // Each frame flushed alone fills the send queue (depth 8): later ones wait for completions, in order.
        await using var pair = await ChannelPair.ConnectAsync(action => action(), sendQueueDepth: 8);
        const int Frames = 300;
        for (ulong token = 1; token <= Frames; token++)
        {
            pair.Sender.Send(0, new Ping(token));
        }

        var batches = await pair.Receiver.WaitForFramesAsync(Frames);
        Assert.That(batches.SelectMany(b => b), Is.EqualTo(Enumerable.Range(1, Frames).Select(i => (ulong)i)));
    }

    [Test]
    public async Task With_a_poll_scheduler_every_batch_is_handled_on_the_scheduler_thread_in_order()
    {
        using var loop = new LoopThread();
        await using var pair = await ChannelPair.ConnectAsync(scheduleFlush: null, receiverPoll: loop.Post);
        const int Frames = 300;
        for (ulong token = 1; token <= Frames; token++)
        {
            pair.Sender.Send(0, new Ping(token));
        }

        var batches = await pair.Receiver.WaitForFramesAsync(Frames);
        Assert.That(batches.SelectMany(b => b), Is.EqualTo(Enumerable.Range(1, Frames).Select(i => (ulong)i)), "every frame, in order");
        Assert.That(pair.Receiver.HandlerThreads, Is.EqualTo(new[] { loop.ThreadId }), "batches are handled only on the poll scheduler's thread");
    }

    [Test]
    public async Task A_handler_that_throws_on_the_poll_scheduler_fails_the_channel_with_the_cause()
    {
        using var loop = new LoopThread();
        await using var pair = await ChannelPair.ConnectAsync(scheduleFlush: null, receiverPoll: loop.Post);
        pair.Receiver.ThrowOnBatch = true;
        pair.Sender.Send(0, new Ping(1));

        var cause = await pair.Receiver.Failure.WaitAsync(Timeout);
        Assert.That(cause, Does.Contain("the handler failed").And.Contain("batch handler bug"));
        var turns = loop.Turns;
        await Task.Delay(100);
        Assert.That(loop.Turns, Is.EqualTo(turns), "a failed channel is not polled again");
    }

    private static void RunAll(ConcurrentQueue<Action> scheduled)
    {
        while (scheduled.TryDequeue(out var flush))
        {
            flush();
        }
    }

    private static IPAddress FreshAddress()
    {
        var n = Interlocked.Increment(ref s_lastAddress);
        return new IPAddress([127, 6, (byte)(n / 250), (byte)((n % 250) + 1)]);
    }

    /// <summary>Records the Ping tokens of every batch it receives.</summary>
    private sealed class RecordingHandler : ILinkChannelHandler
    {
        private readonly List<List<ulong>> _batches = [];
        private readonly Lock _gate = new();

        private readonly HashSet<int> _threads = [];

        public int[] HandlerThreads
        {
            get
            {
                lock (_gate)
                {
                    return [.. _threads];
                }
            }
        }

        public int FrameCount
        {
            get
            {
                lock (_gate)
                {
                    return _batches.Sum(b => b.Count);
                }
            }
        }

        private readonly TaskCompletionSource<string> _failure = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ThrowOnBatch { get; set; }

        public Task<string> Failure => _failure.Task;

        public void OnBatch(ReadOnlySpan<byte> batch)
        {
            if (ThrowOnBatch)
            {
                throw new InvalidOperationException("batch handler bug");
            }

            var tokens = new List<ulong>();
            var reader = new FrameBatchReader(batch);
            while (reader.TryReadNext(out var frame))
            {
                Assert.That(FrameCodec.TryDecode(frame, out Ping ping), Is.EqualTo(DecodeStatus.Ok));
                tokens.Add(ping.Token);
            }

            Assert.That(reader.Status, Is.EqualTo(DecodeStatus.Ok));
            lock (_gate)
            {
                _batches.Add(tokens);
                _threads.Add(Environment.CurrentManagedThreadId);
            }
        }

        public void OnOperationCompleted(ulong token, bool success)
        {
        }

        public void OnChannelFailed(string cause) => _failure.TrySetResult(cause);

        public async Task<List<List<ulong>>> WaitForFramesAsync(int count)
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (FrameCount < count)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{FrameCount} of {count} frames arrived");
                await Task.Delay(10);
            }

            lock (_gate)
            {
                return [.. _batches.Select(b => new List<ulong>(b))];
            }
        }
    }

    /// <summary>One thread running posted work in order, like the adapter's stack thread.</summary>
    private sealed class LoopThread : IDisposable
    {
        private readonly System.Collections.Concurrent.BlockingCollection<Action> _work = [];
        private readonly Thread _thread;
        private int _turns;

        public LoopThread()
        {
            _thread = new Thread(() =>
            {
                foreach (var work in _work.GetConsumingEnumerable())
                {
                    work();
                    Interlocked.Increment(ref _turns);
                }
            })
            { IsBackground = true, Name = "test loop" };
            _thread.Start();
        }

        public int ThreadId => _thread.ManagedThreadId;

        /// <summary>Work items run so far.</summary>
        public int Turns => Volatile.Read(ref _turns);

        public void Post(Action work)
        {
            try
            {
                _work.Add(work);
            }
            catch (InvalidOperationException)
            {
                // Stopped: late wake-ups are dropped, as a stopped stack thread drops them.
            }
        }

        public void Dispose()
        {
            _work.CompleteAdding();
            _thread.Join();
            _work.Dispose();
        }
    }

    /// <summary>Two link channels on one managed-roce queue pair over loopback.</summary>
    private sealed class ChannelPair : IAsyncDisposable
    {
        // Disposed in reverse order of creation: channels and listener, then connection managers and providers.
        private readonly List<IDisposable> _infrastructure = [];
        private readonly List<IDisposable> _owned = [];

        public LinkChannel Sender { get; private set; } = null!;

        public RecordingHandler Receiver { get; } = new();

        public static async Task<ChannelPair> ConnectAsync(Action<Action>? scheduleFlush, int sendQueueDepth = 32, Action<Action>? receiverPoll = null)
        {
            var pair = new ChannelPair();
            var options = new RdmaConnectionOptions { MaxSendWorkRequests = 64, MaxReceiveWorkRequests = 64, CompletionQueueEntries = 256 };
            var listenerAddress = FreshAddress();
            var listener = pair.Manager(listenerAddress).Listen(new IPEndPoint(listenerAddress, 0), options);
            pair._owned.Add(listener);
            var accepting = Task.Run(async () =>
            {
                using var request = await listener.GetRequestAsync();
                return await request.AcceptAsync(ReadOnlyMemory<byte>.Empty);
            });
            var connected = await pair.Manager(FreshAddress()).ConnectAsync(listener.LocalEndPoint, options, ReadOnlyMemory<byte>.Empty).WaitAsync(Timeout);
            var accepted = await accepting.WaitAsync(Timeout);

            var receiving = new LinkChannel(accepted, receiveSlots: 32, sendQueueDepth: 32, schedulePoll: receiverPoll);
            receiving.Start(pair.Receiver);
            pair.Sender = new LinkChannel(connected, receiveSlots: 32, sendQueueDepth, scheduleFlush);
            pair.Sender.Start(new RecordingHandler());

            pair._owned.Add(receiving);
            pair._owned.Add(pair.Sender);
            return pair;
        }

        public ValueTask DisposeAsync()
        {
            foreach (var owned in Enumerable.Reverse(_owned).Concat(Enumerable.Reverse(_infrastructure)))
            {
                owned.Dispose();
            }

            return ValueTask.CompletedTask;
        }

        private IConnectionManager Manager(IPAddress address) => LoopbackFabric.CreateManager(address, _infrastructure);
    }
}
