using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.ManagedRoce.Interop;

/// <summary>Completes a packet once its place in the outgoing batch is known.</summary>
internal interface IDatagramFinalizer
{
    /// <summary>
    /// Called for each packet just before it is sent. <paramref name="segmentIndex"/> is its position
    /// inside a GSO message (0 when sent alone): Linux numbers the IPv4 identification of segments
    /// from the message's (0 for unconnected DF sockets), and the RoCE ICRC covers it.
    /// </summary>
    void Finalize(Span<byte> packet, int segmentIndex);
}

/// <summary>
/// A fixed set of datagram slots in native memory, with the <c>mmsghdr</c>/<c>iovec</c>/sockaddr
/// arrays sendmmsg and recvmmsg need, so a batch of packets costs one system call. One owner
/// thread at a time; nothing is allocated after construction.
/// </summary>
internal sealed unsafe class DatagramBatch : IDisposable
{
    private const int AddressBytes = 32; // sockaddr_in6 is 28

    private readonly int _slotBytes;
    private byte* _buffers;
    private byte* _addresses;
    private Libc.IoVector* _vectors;
    private Libc.MultiMessageHeader* _headers;
    private byte* _control;

    public DatagramBatch(int slots, int slotBytes)
    {
        Capacity = slots;
        _slotBytes = slotBytes;

        // Safe: each block is sized for `slots` entries and freed once in Dispose; the header array
        // points only into these blocks.
        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)(slots * slotBytes), 64);
        _addresses = (byte*)NativeMemory.AllocZeroed((nuint)(slots * AddressBytes));
        _vectors = (Libc.IoVector*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.IoVector)));
        _headers = (Libc.MultiMessageHeader*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.MultiMessageHeader)));
        _control = (byte*)NativeMemory.AllocZeroed((nuint)(slots * Libc.SegmentControlSpace));
        for (int i = 0; i < slots; i++)
        {
            _vectors[i].Base = _buffers + ((long)i * slotBytes);
            _vectors[i].Length = (nuint)slotBytes;
            _headers[i].Header.Vectors = &_vectors[i];
            _headers[i].Header.VectorCount = 1;
            _headers[i].Header.Name = _addresses + (i * AddressBytes);
            _headers[i].Header.NameLength = AddressBytes;
        }
    }

    public int Capacity { get; }

    /// <summary>Slots filled for sending.</summary>
    public int Count { get; private set; }

    /// <summary>The whole buffer of a slot.</summary>
    public Span<byte> Slot(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Capacity, nameof(index));

        // Safe: index is checked and every slot is _slotBytes long inside _buffers.
        return new Span<byte>(_buffers + ((long)index * _slotBytes), _slotBytes);
    }

    /// <summary>The datagram received into a slot.</summary>
    public Span<byte> Received(int index) => Slot(index)[..(int)Math.Min(_headers[index].Length, (uint)_slotBytes)];

    /// <summary>
    /// The GRO segment size of a received slot (the kernel coalesced equal-sized datagrams from one
    /// sender into it), or 0 when the slot holds a single datagram.
    /// </summary>
    public int ReceivedSegmentSize(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Capacity, nameof(index));
        ref var header = ref _headers[index].Header;
        if (header.ControlLength < (nuint)sizeof(Libc.ControlMessageHeader) + sizeof(int))
        {
            return 0;
        }

        // Safe: the kernel wrote ControlLength bytes (at most SegmentControlSpace) into this slot's area.
        var control = (Libc.ControlMessageHeader*)header.Control;
        return control->Level == Libc.SolUdp && control->Type == Libc.UdpGro && control->Length >= (nuint)(sizeof(Libc.ControlMessageHeader) + sizeof(int))
            ? *(int*)(control + 1)
            : 0;
    }

    /// <summary>The sender of the datagram in a slot (raw sockaddr).</summary>
    public ReadOnlySpan<byte> SourceAddress(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Capacity, nameof(index));

        // Safe: checked index; the kernel wrote at most AddressBytes bytes (NameLength).
        return new ReadOnlySpan<byte>(_addresses + (index * AddressBytes), (int)Math.Min(_headers[index].Header.NameLength, AddressBytes));
    }

    /// <summary>The next free slot's buffer for a packet to send.</summary>
    public Span<byte> NextToSend => Slot(Count);

    public bool IsFull => Count == Capacity;

    /// <summary>Commits the next slot: <paramref name="length"/> bytes to <paramref name="destination"/> (a raw sockaddr).</summary>
    public void Commit(int length, ReadOnlySpan<byte> destination)
    {
        int index = Count++;
        _vectors[index].Length = (nuint)length;

        // Safe: destination is at most AddressBytes (checked), copied into this slot's address area.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(destination.Length, AddressBytes, nameof(destination));
        destination.CopyTo(new Span<byte>(_addresses + (index * AddressBytes), AddressBytes));
        _headers[index].Header.NameLength = (uint)destination.Length;
    }

    /// <summary>
    /// Use UDP generic segmentation offload: runs of equal-sized packets go to the kernel as one
    /// message the stack splits late (turned off by itself when the kernel refuses it).
    /// </summary>
    public bool SegmentationOffload { get; set; }

    /// <summary>Sends the committed slots with sendmmsg; returns how many packets the kernel took (the rest are lost).</summary>
    public int Flush(SafeHandle socket, IDatagramFinalizer finalizer)
    {
        if (Count == 0)
        {
            return 0;
        }

        int packets = Count;
        Count = 0;
        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            nint handle = socket.DangerousGetHandle();
            if (SegmentationOffload)
            {
                int sent = Send(handle, BuildMessages(packets, segment: true, finalizer));
                if (sent >= 0)
                {
                    return sent;
                }

                SegmentationOffload = false; // not supported here: fall back for good
            }

            return Math.Max(Send(handle, BuildMessages(packets, segment: false, finalizer)), 0);
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Lays out one message per packet, or with <paramref name="segment"/> one per run of equal-sized
    /// packets (a shorter packet may end a run), each run under 64 KiB; returns the message count.
    /// </summary>
    private int BuildMessages(int packets, bool segment, IDatagramFinalizer finalizer)
    {
        const int MaxSegmentedBytes = 65_000; // an IP datagram: 64 KiB minus headers
        const int MaxSegments = 64;
        int messages = 0;
        for (int first = 0; first < packets;)
        {
            int size = (int)_vectors[first].Length;
            int count = 1;
            int bytes = size;
            while (segment && first + count < packets && count < MaxSegments)
            {
                int next = (int)_vectors[first + count].Length;
                if (next > size || bytes + next > MaxSegmentedBytes)
                {
                    break;
                }

                count++;
                bytes += next;
                if (next < size)
                {
                    break; // only the last segment may be shorter
                }
            }

            ref var header = ref _headers[messages].Header;
            header.Vectors = &_vectors[first];
            header.VectorCount = (nuint)count;
            header.Name = _addresses + (first * AddressBytes);
            header.NameLength = _headers[first].Header.NameLength;
            header.Control = null;
            header.ControlLength = 0;
            if (count > 1)
            {
                // Safe: each message has its own SegmentControlSpace bytes in _control.
                var control = (Libc.ControlMessageHeader*)(_control + (messages * Libc.SegmentControlSpace));
                control->Length = Libc.SegmentControlLength;
                control->Level = Libc.SolUdp;
                control->Type = Libc.UdpSegment;
                *(ushort*)(control + 1) = (ushort)size;
                header.Control = control;
                header.ControlLength = Libc.SegmentControlSpace;
            }

            for (int i = 0; i < count; i++)
            {
                finalizer.Finalize(Slot(first + i)[..(int)_vectors[first + i].Length], i);
            }

            _headers[messages].Length = (uint)count; // remembered: packets in this message
            messages++;
            first += count;
        }

        return messages;
    }

    /// <summary>Sends built messages; returns packets sent, or -1 when the first message was refused as unsupported.</summary>
    private int Send(nint handle, int messages)
    {
        Span<uint> packetsPerMessage = stackalloc uint[Capacity];
        for (int i = 0; i < messages; i++)
        {
            packetsPerMessage[i] = _headers[i].Length;
        }

        int sentMessages = 0;
        int sentPackets = 0;
        while (sentMessages < messages)
        {
            int result = Libc.SendMultipleMessages(handle, _headers + sentMessages, (uint)(messages - sentMessages), 0);
            if (result < 0)
            {
                int error = Marshal.GetLastPInvokeError();
                if (error == Libc.EINTR)
                {
                    continue;
                }

                if (sentMessages == 0 && error is Libc.EINVAL or Libc.EIO or Libc.ENOPROTOOPT && packetsPerMessage[0] > 1)
                {
                    return -1;
                }

                break; // buffer full or unreachable peer: what is left is packet loss
            }

            for (int i = sentMessages; i < sentMessages + result; i++)
            {
                sentPackets += (int)packetsPerMessage[i];
            }

            sentMessages += result;
        }

        return sentPackets;
    }

    /// <summary>
    /// Receives up to <see cref="Capacity"/> datagrams with recvmmsg, blocking for the first (up to the
    /// socket's receive timeout). Returns the count, 0 on timeout, -1 on a fatal error.
    /// </summary>
    public int Receive(SafeHandle socket)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _vectors[i].Length = (nuint)_slotBytes;
            _headers[i].Header.Vectors = &_vectors[i];
            _headers[i].Header.VectorCount = 1;
            _headers[i].Header.Name = _addresses + (i * AddressBytes);
            _headers[i].Header.NameLength = AddressBytes;
            _headers[i].Header.Control = _control + (i * Libc.SegmentControlSpace);
            _headers[i].Header.ControlLength = Libc.SegmentControlSpace;
            _headers[i].Length = 0;
        }

        bool added = false;
        try
        {
            socket.DangerousAddRef(ref added);
            int result = Libc.ReceiveMultipleMessages(socket.DangerousGetHandle(), _headers, (uint)Capacity, Libc.MsgWaitForOne, null);
            if (result >= 0)
            {
                return result;
            }

            int error = Marshal.GetLastPInvokeError();
            return error is Libc.EAGAIN or Libc.EINTR ? 0 : -1;
        }
        catch (ObjectDisposedException)
        {
            return -1;
        }
        finally
        {
            if (added)
            {
                socket.DangerousRelease();
            }
        }
    }

    /// <summary>Writes the raw sockaddr for an endpoint (Linux layout); returns its length.</summary>
    public static int WriteSocketAddress(IPEndPoint endPoint, Span<byte> destination)
    {
        destination[..AddressBytes].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)endPoint.Port);
        if (endPoint.AddressFamily == AddressFamily.InterNetwork)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(destination, 2); // AF_INET, host order
            endPoint.Address.TryWriteBytes(destination[4..], out _);
            return 16;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(destination, 10); // AF_INET6
        endPoint.Address.TryWriteBytes(destination[8..], out _);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[24..], (uint)endPoint.Address.ScopeId);
        return 28;
    }

    public void Dispose()
    {
        // Safe: each pointer is freed once and nulled; the batch is not used after disposal.
        NativeMemory.AlignedFree(_buffers);
        NativeMemory.Free(_addresses);
        NativeMemory.Free(_vectors);
        NativeMemory.Free(_headers);
        NativeMemory.Free(_control);
        _control = null;
        _buffers = null;
        _addresses = null;
        _vectors = null;
        _headers = null;
    }
}
