using Microsoft.Extensions.Logging;

namespace RdmaOffload.HostAgent;

internal static partial class HostAgentLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Link to adapter {Adapter} ({AdapterIdentity}) registered service port {Port}")]
    public static partial void LinkRegistered(ILogger logger, System.Net.IPEndPoint adapter, string adapterIdentity, ushort port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Link to adapter {Adapter} failed: {Cause}")]
    public static partial void LinkFailed(ILogger logger, System.Net.IPEndPoint adapter, string cause);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Refused connection wq#{WorkQueue} from {Client}: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, uint workQueue, System.Net.IPEndPoint client, string reason);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Protocol violation on wq#{WorkQueue} ({Type}): {Error}")]
    public static partial void ConnectionViolation(ILogger logger, uint workQueue, RdmaOffload.Protocol.Wire.MessageType type, RdmaOffload.Protocol.ProtocolErrorCode error);
}
