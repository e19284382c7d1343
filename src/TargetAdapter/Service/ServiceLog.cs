using Microsoft.Extensions.Logging;

namespace RdmaOffload.TargetAdapter.Service;

internal static partial class ServiceLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Adapter ready: TAP {Tap} {Address} in namespace {Namespace}, services {Ports}, host links on {LinkEndPoint} ({Provider}), admission {Admission}, admin {AdminSocket}")]
    public static partial void Ready(ILogger logger, string tap, string address, string @namespace, string ports, System.Net.IPEndPoint linkEndPoint, string provider, string admission, string adminSocket);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Adapter stopping")]
    public static partial void Stopping(ILogger logger);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Admin request failed: {Cause}")]
    public static partial void AdminFailed(ILogger logger, string cause);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error,
        Message = "The stack thread caught an exception from a connection's callbacks or posted work ({Count} so far); that connection may hang")]
    public static partial void StackErrorContained(ILogger logger, long count, Exception error);
}
