namespace RdmaOffload.Fabric;

/// <summary>
/// What a <see cref="LinkChannel"/> reports: batches and operations from its completion loop, or its poll
/// scheduler's thread, one call at a time; <see cref="OnChannelFailed"/> possibly from another thread.
/// </summary>
internal interface ILinkChannelHandler
{
    /// <summary>A received SEND: one batch of protocol frames, valid only during the call.</summary>
    void OnBatch(ReadOnlySpan<byte> batch);

    /// <summary>An RDMA READ or WRITE posted with <paramref name="token"/> finished (in posting order).</summary>
    void OnOperationCompleted(ulong token, bool success);

    /// <summary>The queue pair failed or disconnected; called once, after which nothing more is reported.</summary>
    void OnChannelFailed(string cause);
}
