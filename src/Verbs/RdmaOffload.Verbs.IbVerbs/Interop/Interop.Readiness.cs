using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs.IbVerbs.Interop;

/// <summary>epoll and eventfd through the shim (which hides epoll_event's packed layout).</summary>
internal static unsafe partial class Readiness
{
    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_SetNonBlocking")]
    internal static partial int SetNonBlocking(int fd);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EpollCreate")]
    internal static partial int EpollCreate();

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EpollAdd")]
    internal static partial int EpollAdd(int epollFd, int fd, ulong token);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EpollRemove")]
    internal static partial int EpollRemove(int epollFd, int fd);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EpollWait")]
    internal static partial int EpollWait(int epollFd, ulong* tokens, int capacity, int timeoutMilliseconds);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EventFdCreate")]
    internal static partial int EventFdCreate();

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EventFdSignal")]
    internal static partial int EventFdSignal(int fd);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_EventFdDrain")]
    internal static partial int EventFdDrain(int fd);

    [LibraryImport(NativeLibraries.Shim, EntryPoint = "RdmaShim_CloseFd")]
    internal static partial int CloseFd(int fd);
}
