namespace RdmaOffload.Verbs.ManagedRoce.Transport;

/// <summary>Where a queue pair's transport writes the packets it emits (one destination per QP).</summary>
internal interface IPacketTransmitter
{
    /// <summary>A buffer of at least <paramref name="length"/> bytes for the next packet.</summary>
    Span<byte> GetBuffer(int length);

    /// <summary>Sends the first <paramref name="length"/> bytes of the last buffer (the ICRC slot is filled by the transmitter).</summary>
    void Transmit(int length);
}

/// <summary>Where work completions go (a completion queue).</summary>
internal interface ICompletionSink
{
    /// <summary>Queues one completion; false when the queue is full (overrun).</summary>
    bool TryAdd(in WorkCompletion completion);
}
