using Microsoft.Extensions.Logging;

namespace RdmaOffload.TargetAdapter;

internal static partial class TargetAdapterLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Host {HostIdentity} at {Remote} authenticated and registered port {Port}")]
    public static partial void HostRegistered(ILogger logger, string hostIdentity, System.Net.IPEndPoint remote, ushort port);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Host link {LinkId} ({HostIdentity}) closed: {Cause}; resetting {Connections} client connections")]
    public static partial void LinkClosed(ILogger logger, int linkId, string hostIdentity, string cause, int connections);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Connection {Client} wq#{WorkQueue} on host {HostIdentity} finished: {BytesIn} bytes in, {BytesOut} bytes out, {DurationMs} ms, {Cause}")]
    public static partial void ConnectionFinished(ILogger logger, string client, uint workQueue, string hostIdentity, long bytesIn, long bytesOut, long durationMs, string cause);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "No host can take a connection from {Client} to port {Port}: refused")]
    public static partial void NoHost(ILogger logger, string client, ushort port);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Host link {LinkId} from {Remote}: {Cause}")]
    public static partial void LinkRejected(ILogger logger, int linkId, System.Net.IPEndPoint remote, string cause);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Connection from {Client} to host {HostIdentity} refused: {Cause}")]
    public static partial void OpenFailed(ILogger logger, string client, string hostIdentity, string cause);
}
