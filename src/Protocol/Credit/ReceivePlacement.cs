using RdmaOffload.Protocol.Messages;

namespace RdmaOffload.Protocol.Credit;

/// <summary>Where the adapter RDMA-WRITEs the next run of client bytes, and the notification that follows it.</summary>
/// <param name="BufferId">The posted buffer written into.</param>
/// <param name="RemoteAddress">Target address of the RDMA WRITE: the buffer's address plus <paramref name="Offset"/>.</param>
/// <param name="RemoteKey">rkey of the buffer.</param>
/// <param name="Offset">Offset within the buffer.</param>
/// <param name="ByteCount">Bytes to write.</param>
/// <param name="FillsBuffer">Whether this write fills the buffer, returning it to the host.</param>
public readonly record struct ReceivePlacement(
    uint BufferId, ulong RemoteAddress, uint RemoteKey, uint Offset, uint ByteCount, bool FillsBuffer)
{
    /// <summary>The ordered notification to send after the write.</summary>
    public DataWritten ToDataWritten() => new(BufferId, Offset, ByteCount);
}
