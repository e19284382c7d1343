using Microsoft.AspNetCore.Connections;

namespace RdmaOffload.HostAgent.Kestrel;

/// <summary>Transport failures as Kestrel expects them: a peer's reset or a lost link is a reset, our abort is an abort.</summary>
internal static class KestrelErrors
{
    public static Exception Create(ConnectionError kind, string message) => kind == ConnectionError.AbortedByHost
        ? new ConnectionAbortedException(message)
        : new ConnectionResetException(message);
}
