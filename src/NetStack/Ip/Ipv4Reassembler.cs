using System.Buffers;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.NetStack.Ip;

/// <summary>
/// IPv4 fragment reassembly (RFC 791 §3.2, hole tracking as RFC 815) with hard limits on datagrams in progress,
/// total bytes held and age. Buffers come from the shared pool and go back when a datagram completes or expires.
/// </summary>
internal sealed class Ipv4Reassembler
{
    private const int MaxDatagram = 65535;
    private readonly Dictionary<Key, Datagram> _datagrams = [];
    private readonly int _maxDatagrams;
    private readonly int _maxBytes;
    private readonly long _timeout;
    private int _bytesHeld;

    public Ipv4Reassembler(int maxDatagrams, int maxBytes, long timeout)
    {
        _maxDatagrams = maxDatagrams;
        _maxBytes = maxBytes;
        _timeout = timeout;
    }

    public int InProgress => _datagrams.Count;

    public long DroppedDatagrams { get; private set; }

    /// <summary>Earliest expiry of a datagram in progress, or <see cref="long.MaxValue"/>.</summary>
    public long NextExpiry
    {
        get
        {
            var next = long.MaxValue;
            foreach (var datagram in _datagrams.Values)
            {
                next = Math.Min(next, datagram.ExpiresAt);
            }

            return next;
        }
    }

    /// <summary>
    /// Adds a fragment. When the datagram completes, returns true with a pooled buffer holding an IPv4 header (the
    /// first fragment's, with lengths and flags fixed) followed by the payload; the caller returns it to the pool.
    /// </summary>
    public bool TryAdd(in Ipv4Packet fragment, long now, out byte[]? datagram, out int length)
    {
        datagram = null;
        length = 0;
        var payload = fragment.Payload;
        var offset = fragment.FragmentOffset;
        var end = offset + payload.Length;
        if (end > MaxDatagram - Ipv4Packet.MinHeaderLength || (fragment.MoreFragments && payload.Length % 8 != 0))
        {
            DroppedDatagrams++;
            return false;
        }

        var key = new Key(fragment.Source, fragment.Destination, fragment.Identification, fragment.Protocol);
        if (!_datagrams.TryGetValue(key, out var entry))
        {
            Expire(now);
            if (_datagrams.Count >= _maxDatagrams || _bytesHeld + MaxDatagram > _maxBytes)
            {
                DroppedDatagrams++;
                return false;
            }

            entry = new Datagram(ArrayPool<byte>.Shared.Rent(MaxDatagram), now + _timeout);
            _bytesHeld += entry.Buffer.Length;
            _datagrams[key] = entry;
        }

        if (offset == 0)
        {
            fragment.Header[..Ipv4Packet.MinHeaderLength].CopyTo(entry.Buffer);
            entry.HaveFirst = true;
        }

        if (!fragment.MoreFragments)
        {
            entry.TotalPayload = end;
        }

        payload.CopyTo(entry.Buffer.AsSpan(Ipv4Packet.MinHeaderLength + offset));
        entry.Received.Add(offset, end);

        if (!entry.HaveFirst || entry.TotalPayload < 0 || entry.Received.UncoveredBytes(0, entry.TotalPayload) != 0)
        {
            return false;
        }

        _datagrams.Remove(key);
        _bytesHeld -= entry.Buffer.Length;
        var header = entry.Buffer.AsSpan(0, Ipv4Packet.MinHeaderLength);
        header[0] = 0x45;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(Ipv4Packet.MinHeaderLength + entry.TotalPayload));
        header[6] = 0;
        header[7] = 0;
        header[10] = 0;
        header[11] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        datagram = entry.Buffer;
        length = Ipv4Packet.MinHeaderLength + entry.TotalPayload;
        return true;
    }

    /// <summary>Drops datagrams older than the timeout.</summary>
    public void Expire(long now)
    {
        List<Key>? expired = null;
        foreach (var (key, entry) in _datagrams)
        {
            if (entry.ExpiresAt <= now)
            {
                (expired ??= []).Add(key);
            }
        }

        if (expired is null)
        {
            return;
        }

        foreach (var key in expired)
        {
            var entry = _datagrams[key];
            _datagrams.Remove(key);
            _bytesHeld -= entry.Buffer.Length;
            ArrayPool<byte>.Shared.Return(entry.Buffer);
            DroppedDatagrams++;
        }
    }

    private readonly record struct Key(Ipv4Address Source, Ipv4Address Destination, ushort Identification, IpProtocol Protocol);

    private sealed class Datagram(byte[] buffer, long expiresAt)
    {
        public byte[] Buffer { get; } = buffer;

        public long ExpiresAt { get; } = expiresAt;

        public RangeSet Received { get; } = new(64);

        public bool HaveFirst { get; set; }

        public int TotalPayload { get; set; } = -1;
    }
}
