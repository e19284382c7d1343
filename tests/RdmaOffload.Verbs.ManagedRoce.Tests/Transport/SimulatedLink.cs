using RdmaOffload.Verbs.ManagedRoce.Memory;
using RdmaOffload.Verbs.ManagedRoce.Transport;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Transport;

/// <summary>Fault settings of the simulated wire (probabilities per packet, times in µs).</summary>
internal sealed record LinkFaults
{
    public double Loss { get; init; }

    public double Duplication { get; init; }

    /// <summary>Probability that a packet is held back by an extra random delay (so later ones overtake it).</summary>
    public double Reordering { get; init; }

    public long Delay { get; init; } = 10;

    public long ReorderDelay { get; init; } = 200;

    /// <summary>Time one packet occupies the wire in each direction (0: unlimited bandwidth), so bursts queue up.</summary>
    public long PacketSpacing { get; init; }
}

/// <summary>
/// Two RC transports joined by an in-memory wire with loss, duplication, reordering and delay, in
/// simulated time. Deterministic for a given seed.
/// </summary>
internal sealed class SimulatedLink
{
    private readonly Random _random;
    private readonly PriorityQueue<(Side To, byte[] Bytes), (long Time, long Sequence)> _wire = new();
    private long _sequence;
    private long _wireBusyUntilA;
    private long _wireBusyUntilB;

    public SimulatedLink(int seed = 1, LinkFaults? faults = null, PathMtu mtu = PathMtu.Mtu1024, uint psnA = 100, uint psnB = 5000, RcTransportOptions? options = null, ReadyToSendAttributes? sendAttributes = null)
    {
        _random = new Random(seed);
        Faults = faults ?? new LinkFaults();
        options ??= new RcTransportOptions();
        A = new Side(this, 0x11, options);
        B = new Side(this, 0x22, options);
        A.Peer = B;
        B.Peer = A;
        var access = MemoryAccess.LocalWrite | MemoryAccess.RemoteRead | MemoryAccess.RemoteWrite;
        foreach (var (side, own, other) in new[] { (A, psnA, psnB), (B, psnB, psnA) })
        {
            side.Transport.ModifyToInit(access);
            side.Transport.ModifyToReadyToReceive(new ReadyToReceiveAttributes
            {
                RemoteQueuePairNumber = side.Peer!.Transport.QueuePairNumber,
                ReceivePacketSequenceNumber = other,
                RemoteGid = Gid.Zero,
                LocalGidIndex = 0,
                PathMtu = mtu,
                MinRnrTimer = 12,
            });
            side.Transport.ModifyToReadyToSend((sendAttributes ?? ReadyToSendAttributes.Default(0)) with { SendPacketSequenceNumber = own, Timeout = (sendAttributes?.Timeout) ?? 10 });
        }
    }

    public LinkFaults Faults { get; set; }

    public Side A { get; }

    public Side B { get; }

    public long Now { get; private set; }

    public long Delivered { get; private set; }

    public long Dropped { get; private set; }

    /// <summary>Runs until <paramref name="done"/> holds or nothing is left to do, within <paramref name="maxTime"/> µs.</summary>
    public bool RunUntil(Func<bool> done, long maxTime = 60_000_000)
    {
        long end = Now + maxTime;
        while (Now <= end)
        {
            long nextA = A.Transport.Poll(Now, A);
            long nextB = B.Transport.Poll(Now, B);
            if (done())
            {
                return true;
            }

            long next = Math.Min(nextA, nextB);
            if (_wire.TryPeek(out _, out var head))
            {
                next = Math.Min(next, head.Time);
            }

            if (next == long.MaxValue)
            {
                return done();
            }

            Now = Math.Max(Now, next);
            while (_wire.TryPeek(out var item, out var when) && when.Time <= Now)
            {
                _wire.Dequeue();
                Deliver(item.To, item.Bytes);
            }
        }

        return done();
    }

    /// <summary>Hands raw bytes to a side as if they came off the wire (for bad-input tests).</summary>
    public static void Deliver(Side to, byte[] bytes)
    {
        if (RocePacket.TryParse(bytes, out var packet) == PacketError.None && packet.Header.DestinationQueuePair == to.Transport.QueuePairNumber)
        {
            to.Link.Delivered++;
            to.Transport.HandlePacket(packet, to.Link.Now);
        }
        else
        {
            to.Link.Dropped++;
        }
    }

    private void Send(Side to, byte[] bytes)
    {
        if (_random.NextDouble() < Faults.Loss)
        {
            Dropped++;
            return;
        }

        long departure = Now;
        if (Faults.PacketSpacing > 0)
        {
            ref long busyUntil = ref to == A ? ref _wireBusyUntilA : ref _wireBusyUntilB;
            departure = Math.Max(Now, busyUntil) + Faults.PacketSpacing;
            busyUntil = departure;
        }

        int copies = _random.NextDouble() < Faults.Duplication ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            long delay = Faults.Delay + (_random.NextDouble() < Faults.Reordering ? _random.NextInt64(1, Faults.ReorderDelay) : 0);
            _wire.Enqueue((to, bytes), (departure + delay, _sequence++));
        }
    }

    internal sealed class Side : IPacketTransmitter
    {
        private readonly byte[] _buffer = new byte[9000];

        public Side(SimulatedLink link, uint qpn, RcTransportOptions options)
        {
            Link = link;
            Memory = new MemoryKeyTable();
            Transport = new RcTransport(qpn, options, Memory, SendCompletions, ReceiveCompletions);
        }

        public SimulatedLink Link { get; }

        public Side? Peer { get; set; }

        public MemoryKeyTable Memory { get; }

        public CompletionList SendCompletions { get; } = new();

        public CompletionList ReceiveCompletions { get; } = new();

        public RcTransport Transport { get; }

        /// <summary>Every packet this side emitted, when capture is on.</summary>
        public List<byte[]>? Capture { get; set; }

        public Span<byte> GetBuffer(int length) => _buffer.AsSpan(0, length);

        public void Transmit(int length)
        {
            var bytes = _buffer.AsSpan(0, length).ToArray();
            Capture?.Add(bytes);
            Link.Send(Peer!, bytes);
        }

        public void PostSend(SendWorkRequest request, params ScatterGatherEntry[] entries) =>
            Assert.That(Transport.PostSend(request, entries), Is.EqualTo(PostError.None));

        public void PostReceive(ulong id, params ScatterGatherEntry[] entries) =>
            Assert.That(Transport.PostReceive(id, entries), Is.EqualTo(PostError.None));
    }
}
