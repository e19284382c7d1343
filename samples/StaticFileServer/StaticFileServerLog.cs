using System.Net;
using Microsoft.Extensions.Logging;

namespace RdmaOffload.Samples.StaticFileServer;

internal static partial class StaticFileServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "serving {Root} on service port {ServicePort} through adapter {Adapter} as {HostIdentity}")]
    public static partial void ServingAccelerated(ILogger logger, string root, ushort servicePort, IPEndPoint adapter, string hostIdentity);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "serving {Root} on tcp {EndPoint}")]
    public static partial void ServingTcp(ILogger logger, string root, EndPoint endPoint);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "linking to adapter {Adapter} failed: {Cause}; re-linking in {DelayMs} ms")]
    public static partial void LinkAttemptFailed(ILogger logger, IPEndPoint adapter, string cause, long delayMs);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "link to adapter {Adapter} lost: {Cause}; re-linking in {DelayMs} ms")]
    public static partial void LinkLost(ILogger logger, IPEndPoint adapter, string cause, long delayMs);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "connection failed: {Cause}")]
    public static partial void ConnectionFailed(ILogger logger, string cause);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "refused a request with {StatusCode}: {Reason}")]
    public static partial void BadRequest(ILogger logger, int statusCode, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "request head not complete in time; 408 and close")]
    public static partial void HeadersTimedOut(ILogger logger);

    [LoggerMessage(EventId = 8, Level = LogLevel.Debug, Message = "client took no response bytes in time; connection reset")]
    public static partial void ResponseStalled(ILogger logger);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "a file shrank while being sent; connection reset")]
    public static partial void FileChanged(ILogger logger);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "stopped serving; {Active} connection(s) were still open")]
    public static partial void Stopped(ILogger logger, int active);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "connection handler failed unexpectedly")]
    public static partial void ConnectionCrashed(ILogger logger, Exception exception);
}
