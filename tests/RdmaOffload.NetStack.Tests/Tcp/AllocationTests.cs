using RdmaOffload.NetStack.Link;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Tcp;

/// <summary>The steady-state data path (segment out, segment in, ACK out, ACK in) allocates nothing per segment.</summary>
public sealed class AllocationTests
{
    /// <summary>A preallocated ring of frame slots: committing copies into the next slot, nothing is allocated.</summary>
    private sealed class RingLink(int slots, int slotSize) : IFrameSink
    {
        private readonly byte[][] _frames = Enumerable.Range(0, slots).Select(_ => new byte[slotSize]).ToArray();
        private readonly int[] _lengths = new int[slots];
        private readonly byte[] _scratch = new byte[slotSize];
        private int _head;
        private int _count;

        public Span<byte> GetFrameBuffer(int maxLength) => _scratch;

        public void Commit(int length)
        {
            if (_count == _frames.Length)
            {
                return; // full: drop like a real queue
            }

            var slot = (_head + _count) % _frames.Length;
            _scratch.AsSpan(0, length).CopyTo(_frames[slot]);
            _lengths[slot] = length;
            _count++;
        }

        public bool TryDeliver(NetworkStack to, long now)
        {
            if (_count == 0)
            {
                return false;
            }

            var slot = _head;
            _head = (_head + 1) % _frames.Length;
            _count--;
            to.Handle(_frames[slot].AsSpan(0, _lengths[slot]), now);
            return true;
        }
    }

    private sealed class StreamingOwner(byte[] source, bool send) : ITcpConnectionHandler
    {
        public long Received;
        public long Acknowledged;

        public void OnConnected(TcpConnection connection)
        {
            if (send)
            {
                connection.AppendSendData(long.MaxValue / 4); // an endless stream, pulled lazily
            }
        }

        public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            Received += data.Length;
            connection.GrantReceiveCredit(data.Length);
        }

        public void OnReceiveClosed(TcpConnection connection)
        {
        }

        public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
        {
            var start = (int)(streamOffset % source.Length);
            for (var copied = 0; copied < destination.Length;)
            {
                var count = Math.Min(destination.Length - copied, source.Length - start);
                source.AsSpan(start, count).CopyTo(destination[copied..]);
                copied += count;
                start = 0;
            }
        }

        public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset) => Acknowledged = acknowledgedOffset;

        public void OnClosed(TcpConnection connection, TcpCloseReason reason)
        {
        }
    }

    private sealed class Acceptor(ITcpConnectionHandler handler) : ITcpAcceptHandler
    {
        public ITcpConnectionHandler? OnConnectionEstablished(TcpConnection connection) => handler;
    }

    [Test]
    public void Bulk_transfer_allocates_nothing_per_segment()
    {
        var toB = new RingLink(512, 2048);
        var toA = new RingLink(512, 2048);
        var a = new NetworkStack(new NetworkStackOptions { Address = Ipv4Address.Parse("10.88.0.1"), MacAddress = MacAddress.Parse("02:00:00:00:00:01"), SequenceSecret = new byte[16] }, toB);
        var b = new NetworkStack(new NetworkStackOptions { Address = Ipv4Address.Parse("10.88.0.2"), MacAddress = MacAddress.Parse("02:00:00:00:00:02"), SequenceSecret = new byte[16] }, toA);
        long now = 1_000_000;
        a.AddNeighbor(Ipv4Address.Parse("10.88.0.2"), MacAddress.Parse("02:00:00:00:00:02"), now);
        b.AddNeighbor(Ipv4Address.Parse("10.88.0.1"), MacAddress.Parse("02:00:00:00:00:01"), now);
        var sender = new StreamingOwner(TestPayload(), send: true);
        var receiver = new StreamingOwner([], send: false);
        b.Listen(80, new Acceptor(sender));
        a.Connect(Ipv4Address.Parse("10.88.0.2"), 80, receiver, now);

        void Run(long bytes)
        {
            var target = receiver.Received + bytes;
            var deadline = now + 60_000_000;
            while (receiver.Received < target)
            {
                if (now >= deadline)
                {
                    Assert.Fail($"transfer stalled at {receiver.Received} bytes");
                }

                now += 50; // 50 µs per step; the link carries at most 64 frames each way per step
                for (var i = 0; i < 64 && (toB.TryDeliver(b, now) | toA.TryDeliver(a, now)); i++)
                {
                }

                a.Poll(now);
                b.Poll(now);
            }
        }

        Run(20_000_000); // warm-up: connection setup, cwnd growth, collection growth, JIT
        var before = GC.GetAllocatedBytesForCurrentThread();
        var segmentsBefore = b.Counters.FramesSent;
        Run(50_000_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var segments = b.Counters.FramesSent - segmentsBefore;
        Assert.That(segments, Is.GreaterThan(30_000));
        Assert.That(allocated, Is.LessThan(1024), $"{allocated} bytes allocated over {segments} segments");
    }

    private static byte[] TestPayload()
    {
        var data = new byte[100_003];
        new Random(5).NextBytes(data);
        return data;
    }
}
