using System.Runtime.InteropServices;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace RdmaOffload.NetStack.Tap;

/// <summary>
/// The raw system calls behind <see cref="TapDevice"/>. Every pointer here refers to a stack buffer or a pinned
/// span that outlives the call; nothing is retained by the kernel after the call returns.
/// </summary>
internal static unsafe class TapInterop
{
    // linux/if_tun.h
    public const int IFF_TAP = 0x0002;
    public const int IFF_NO_PI = 0x1000;
    public const int IFF_VNET_HDR = 0x4000;
    public const uint TUNSETIFF = 0x400454ca;
    public const uint TUNSETOFFLOAD = 0x400454d0;
    public const uint TUNSETVNETHDRSZ = 0x400454d8;
    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;

    // linux/if.h
    private const short IfFlagUp = 0x1;

    // POLLIN | POLLERR | POLLHUP from poll.h
    private const short ReadableEvents = 0x001 | 0x008 | 0x010;

    // struct ifreq is 40 bytes on Linux: the name (16) then a union (flags, mtu, ...).
    private const int IfReqSize = 40;
    private const int IfNameSize = 16;

    public static int OpenTun()
    {
        // "/dev/net/tun\0" lives in a fixed stack buffer for the duration of the call.
        var path = "/dev/net/tun\0"u8;
        fixed (byte* p = path)
        {
            return open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        }
    }

    public static int SetInterface(int fd, string name, short flags, out string actualName)
    {
        var ifr = stackalloc byte[IfReqSize];
        new Span<byte>(ifr, IfReqSize).Clear();
        WriteName(new Span<byte>(ifr, IfNameSize), name);
        *(short*)(ifr + IfNameSize) = flags;
        var result = ioctl(fd, (int)TUNSETIFF, ifr);
        actualName = ReadName(new Span<byte>(ifr, IfNameSize));
        return result;
    }

    public static int SetIntArgument(int fd, uint request, int value)
    {
        // The kernel copies the int from our stack slot during the call.
        var v = value;
        return ioctl(fd, (int)request, &v);
    }

    public static int SetOffload(int fd, uint offloads)
    {
        // TUNSETOFFLOAD takes the flags by value, not by pointer.
        return ioctl(fd, (int)TUNSETOFFLOAD, (void*)offloads);
    }

    /// <summary>SIOCSIFMTU / SIOCSIFFLAGS on an AF_INET datagram socket (the usual way to configure a link).</summary>
    public static int ConfigureLink(string name, int mtu, bool up)
    {
        var sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
        {
            return -1;
        }

        try
        {
            var ifr = stackalloc byte[IfReqSize];
            new Span<byte>(ifr, IfReqSize).Clear();
            WriteName(new Span<byte>(ifr, IfNameSize), name);
            if (mtu > 0)
            {
                *(int*)(ifr + IfNameSize) = mtu;
                if (ioctl(sock, SIOCSIFMTU, ifr) < 0)
                {
                    return -1;
                }
            }

            if (up)
            {
                if (ioctl(sock, SIOCGIFFLAGS, ifr) < 0)
                {
                    return -1;
                }

                *(short*)(ifr + IfNameSize) |= IfFlagUp;
                if (ioctl(sock, SIOCSIFFLAGS, ifr) < 0)
                {
                    return -1;
                }
            }

            return 0;
        }
        finally
        {
            _ = close(sock);
        }
    }

    public static int Read(int fd, Span<byte> buffer)
    {
        // The span is pinned for the duration of the read.
        fixed (byte* p = buffer)
        {
            return (int)(long)read(fd, p, (size_t)buffer.Length);
        }
    }

    public static int Write(int fd, ReadOnlySpan<byte> buffer)
    {
        // The span is pinned for the duration of the write.
        fixed (byte* p = buffer)
        {
            return (int)(long)write(fd, p, (size_t)buffer.Length);
        }
    }

    /// <summary>Waits until one of the descriptors is readable; returns a bit mask of the readable ones (bit i = fds[i]).</summary>
    public static int WaitReadable(ReadOnlySpan<int> fds, int timeoutMilliseconds)
    {
        var set = stackalloc pollfd[fds.Length];
        for (var i = 0; i < fds.Length; i++)
        {
            set[i].fd = fds[i];
            set[i].events = POLLIN;
            set[i].revents = 0;
        }

        var result = poll(set, (ulong_t)(ulong)fds.Length, timeoutMilliseconds);
        if (result <= 0)
        {
            return 0;
        }

        var mask = 0;
        for (var i = 0; i < fds.Length; i++)
        {
            if ((set[i].revents & ReadableEvents) != 0)
            {
                mask |= 1 << i;
            }
        }

        return mask;
    }

    public static int CreateEventFd() => eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

    public static void SignalEventFd(int fd)
    {
        // An 8-byte counter increment from a stack slot.
        ulong one = 1;
        _ = write(fd, &one, 8);
    }

    public static void DrainEventFd(int fd)
    {
        // Reads the 8-byte counter into a stack slot.
        ulong value;
        _ = read(fd, &value, 8);
    }

    public static int LastErrno => errno;

    public static int EAGAINValue => EAGAIN;

    public static int EINTRValue => EINTR;

    public static int Close(int fd) => close(fd);

    private static void WriteName(Span<byte> destination, string name)
    {
        if (System.Text.Encoding.ASCII.GetByteCount(name) >= IfNameSize)
        {
            throw new ArgumentException($"Interface name '{name}' is too long.", nameof(name));
        }

        System.Text.Encoding.ASCII.GetBytes(name, destination);
    }

    private static string ReadName(ReadOnlySpan<byte> source)
    {
        var end = source.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(end < 0 ? source : source[..end]);
    }
}

/// <summary>Owns a file descriptor and closes it exactly once.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => TapInterop.Close((int)handle.ToInt64()) == 0;
}
