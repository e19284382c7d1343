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

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Linking to adapter {Adapter} for service port {Port} (attempt {Attempt})")]
    public static partial void Linking(ILogger logger, System.Net.IPEndPoint adapter, ushort port, int attempt);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Linking to adapter {Adapter} failed (attempt {Attempt}): {Error}; next attempt in {Delay}")]
    public static partial void LinkAttemptFailed(ILogger logger, System.Net.IPEndPoint adapter, int attempt, string error, TimeSpan delay);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Link to adapter {Adapter} for service port {Port} lost ({Cause}); linking again")]
    public static partial void LinkLostRelinking(ILogger logger, System.Net.IPEndPoint adapter, ushort port, string cause);
}
