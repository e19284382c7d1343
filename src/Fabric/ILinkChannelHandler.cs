namespace RdmaOffload.Fabric;

/// <summary>What a <see cref="LinkChannel"/> reports, always from its completion loop (one thread at a time).</summary>
internal interface ILinkChannelHandler
{
    /// <summary>A received SEND: one batch of protocol frames, valid only during the call.</summary>
    void OnBatch(ReadOnlySpan<byte> batch);

    /// <summary>An RDMA READ or WRITE posted with <paramref name="token"/> finished (in posting order).</summary>
    void OnOperationCompleted(ulong token, bool success);

    /// <summary>The queue pair failed or disconnected; called once, after which nothing more is reported.</summary>
    void OnChannelFailed(string cause);
}
