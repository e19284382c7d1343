using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Tests.Simulation;

/// <summary>
/// Two stacks joined by a simulated Ethernet link with seeded faults and simulated time. Deterministic: the same
/// seed and conditions give the same run.
/// </summary>
public sealed class SimulatedNetwork
{
    public static readonly Ipv4Address AddressA = Ipv4Address.Parse("10.88.0.1");
    public static readonly Ipv4Address AddressB = Ipv4Address.Parse("10.88.0.2");
    public static readonly MacAddress MacA = MacAddress.Parse("02:00:00:00:00:0a");
    public static readonly MacAddress MacB = MacAddress.Parse("02:00:00:00:00:0b");

    private readonly Random _random;
    private readonly PriorityQueue<(bool ToB, byte[] Frame), (long At, long Order)> _inFlight = new();
    private long _order;
    private long _linkFreeAtAtoB;
    private long _linkFreeAtBtoA;

    public SimulatedNetwork(int seed = 1, Action<NetworkStackOptions>? configure = null)
    {
        _random = new Random(seed);
        A = new NetworkStack(MakeOptions(MacA, AddressA, seed, configure), new CapturingSink(f => Enqueue(f, toB: true)));
        B = new NetworkStack(MakeOptions(MacB, AddressB, seed + 1000, configure), new CapturingSink(f => Enqueue(f, toB: false)));
    }

    public NetworkStack A { get; }

    public NetworkStack B { get; }

    public long Now { get; private set; } = 1_000_000;

    public LinkConditions AtoB { get; set; } = LinkConditions.Perfect;

    public LinkConditions BtoA { get; set; } = LinkConditions.Perfect;

    /// <summary>Every frame sent, with its time and direction (for assertions on timing).</summary>
    public List<(long Time, bool ToB, byte[] Frame)> Trace { get; } = [];

    public bool TraceEnabled { get; set; }

    /// <summary>Frames injected by a test bypass the faults (scripted peer).</summary>
    public void InjectToB(byte[] frame) => _inFlight.Enqueue((true, frame), (Now, _order++));

    public void InjectToA(byte[] frame) => _inFlight.Enqueue((false, frame), (Now, _order++));

    /// <summary>Runs the simulation until <paramref name="until"/> is true or <paramref name="timeLimit"/> of simulated time passes.</summary>
    public bool RunUntil(Func<bool> until, long timeLimit = 60_000_000)
    {
        var end = Now + timeLimit;
        A.Poll(Now);
        B.Poll(Now);
        while (!until())
        {
            var next = Math.Min(A.NextPollTime, B.NextPollTime);
            if (_inFlight.TryPeek(out _, out var key))
            {
                next = Math.Min(next, key.At);
            }

            if (next == long.MaxValue || next > end)
            {
                Now = Math.Max(Now, Math.Min(end, next));
                return until();
            }

            Now = Math.Max(Now, next);
            while (_inFlight.TryPeek(out var item, out key) && key.At <= Now)
            {
                _inFlight.Dequeue();
                (item.ToB ? B : A).Handle(item.Frame, Now);
            }

            A.Poll(Now);
            B.Poll(Now);
        }

        return true;
    }

    /// <summary>Advances simulated time by <paramref name="duration"/>, processing everything due.</summary>
    public void RunFor(long duration) => RunUntil(() => false, duration);

    private void Enqueue(byte[] frame, bool toB)
    {
        if (TraceEnabled)
        {
            Trace.Add((Now, toB, frame));
        }

        var conditions = toB ? AtoB : BtoA;
        if (conditions.Filter is { } filter && !filter(frame))
        {
            return;
        }

        if (_random.NextDouble() < conditions.LossRate)
        {
            return;
        }

        var at = Now + conditions.Delay;
        if (conditions.BytesPerSecond > 0)
        {
            ref var free = ref toB ? ref _linkFreeAtAtoB : ref _linkFreeAtBtoA;
            var start = Math.Max(Now, free);
            free = start + (frame.Length * 1_000_000L / conditions.BytesPerSecond);
            at = free + conditions.Delay;
        }

        if (_random.NextDouble() < conditions.ReorderRate)
        {
            at += conditions.ReorderExtraDelay;
        }

        _inFlight.Enqueue((toB, frame), (at, _order++));
        if (_random.NextDouble() < conditions.DuplicateRate)
        {
            _inFlight.Enqueue((toB, frame), (at + 100, _order++));
        }
    }

    private static NetworkStackOptions MakeOptions(MacAddress mac, Ipv4Address address, int seed, Action<NetworkStackOptions>? configure)
    {
        var secret = new byte[32];
        new Random(seed).NextBytes(secret);
        var options = new NetworkStackOptions { MacAddress = mac, Address = address, PrefixLength = 24, SequenceSecret = secret };
        configure?.Invoke(options);
        return options;
    }
}
