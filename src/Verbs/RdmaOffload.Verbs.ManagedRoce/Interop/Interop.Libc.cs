using System.Runtime.InteropServices;

[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

namespace RdmaOffload.Verbs.ManagedRoce.Interop;

/// <summary>The batched datagram calls of Linux libc (x86-64/arm64 LP64 layouts).</summary>
internal static unsafe partial class Libc
{
    private const string Library = "libc";

    /// <summary>recvmmsg: return after the first datagram instead of waiting for all.</summary>
    public const int MsgWaitForOne = 0x10000;

    /// <summary>Don't block.</summary>
    public const int MsgDontWait = 0x40;

    public const int EAGAIN = 11;
    public const int EINTR = 4;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary><c>struct msghdr</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary><c>struct mmsghdr</c>: a header and the bytes the call moved.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MultiMessageHeader
    {
        public MessageHeader Header;
        public uint Length;
    }

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMultipleMessages(nint socket, MultiMessageHeader* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int ReceiveMultipleMessages(nint socket, MultiMessageHeader* messages, uint count, int flags, void* timeout);
}
