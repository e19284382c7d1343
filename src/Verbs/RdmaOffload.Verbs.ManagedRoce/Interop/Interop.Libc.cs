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

    /// <summary>SOL_UDP.</summary>
    public const int SolUdp = 17;

    /// <summary>UDP_SEGMENT: the control message giving the GSO segment size.</summary>
    public const int UdpSegment = 103;

    /// <summary>UDP_GRO: socket option, and the control message giving the coalesced segment size.</summary>
    public const int UdpGro = 104;

    /// <summary>CMSG_SPACE(sizeof(u16)) on LP64: a 16-byte header, data padded to 8 bytes.</summary>
    public const int SegmentControlSpace = 24;

    /// <summary>CMSG_LEN(sizeof(u16)).</summary>
    public const int SegmentControlLength = 18;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EINVAL = 22;
    public const int ENOPROTOOPT = 92;

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

    /// <summary><c>struct cmsghdr</c> (its data follows).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct ControlMessageHeader
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    public static partial int SendMultipleMessages(nint socket, MultiMessageHeader* messages, uint count, int flags);

    public const int ProtRead = 0x1;
    public const int ProtWrite = 0x2;
    public const int MapPrivate = 0x02;
    public const int MapAnonymous = 0x20;

    /// <summary>MAP_FAILED, (void*)-1.</summary>
    public static readonly void* MapFailed = (void*)-1;

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    public static partial void* MapMemory(void* address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    public static partial int UnmapMemory(void* address, nuint length);

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    public static partial int ReceiveMultipleMessages(nint socket, MultiMessageHeader* messages, uint count, int flags, void* timeout);
}
