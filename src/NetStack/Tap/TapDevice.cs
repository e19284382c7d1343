using System.ComponentModel;

namespace RdmaOffload.NetStack.Tap;

/// <summary>
/// A Linux TAP device (<c>/dev/net/tun</c>, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) opened non-blocking. Reads and writes
/// carry a <see cref="VirtioNetHeader"/> before each Ethernet frame; checksum and TSO offloads are enabled so the
/// kernel may hand us large (GRO) frames with partial checksums.
/// </summary>
public sealed partial class TapDevice : IDisposable
{
    private readonly FileDescriptorHandle _fd;

    private TapDevice(FileDescriptorHandle fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface name the kernel assigned.</summary>
    public string Name { get; }

    internal int Fd => _fd.Fd;

    /// <summary>Creates (or attaches to a persistent) TAP interface called <paramref name="name"/> (empty: kernel picks).</summary>
    public static TapDevice Open(string name, bool offloads = true)
    {
        ArgumentNullException.ThrowIfNull(name);
        var fd = TapInterop.OpenTun();
        if (fd < 0)
        {
            throw new Win32Exception(TapInterop.LastErrno, "Cannot open /dev/net/tun (needs root or CAP_NET_ADMIN).");
        }

        var handle = new FileDescriptorHandle(fd);
        try
        {
            if (TapInterop.SetInterface(fd, name, TapInterop.IFF_TAP | TapInterop.IFF_NO_PI | TapInterop.IFF_VNET_HDR, out var actual) < 0)
            {
                throw new Win32Exception(TapInterop.LastErrno, $"TUNSETIFF {name} failed.");
            }

            if (TapInterop.SetIntArgument(fd, TapInterop.TUNSETVNETHDRSZ, VirtioNetHeader.Size) < 0)
            {
                throw new Win32Exception(TapInterop.LastErrno, "TUNSETVNETHDRSZ failed.");
            }

            if (offloads && TapInterop.SetOffload(fd, TapInterop.TUN_F_CSUM | TapInterop.TUN_F_TSO4) < 0)
            {
                throw new Win32Exception(TapInterop.LastErrno, "TUNSETOFFLOAD failed.");
            }

            return new TapDevice(handle, actual);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Sets the MTU and brings the link up (SIOCSIFMTU, SIOCSIFFLAGS).</summary>
    public void BringUp(int mtu)
    {
        if (TapInterop.ConfigureLink(Name, mtu, up: true) < 0)
        {
            throw new Win32Exception(TapInterop.LastErrno, $"Cannot configure {Name}.");
        }
    }

    /// <summary>Reads one vnet header + frame; returns its length, or 0 when nothing is pending.</summary>
    public int Read(Span<byte> buffer)
    {
        while (true)
        {
            var n = TapInterop.Read(_fd.Fd, buffer);
            if (n >= 0)
            {
                return n;
            }

            var errno = TapInterop.LastErrno;
            if (errno == TapInterop.EAGAINValue)
            {
                return 0;
            }

            if (errno != TapInterop.EINTRValue)
            {
                throw new Win32Exception(errno, $"read from {Name} failed.");
            }
        }
    }

    /// <summary>Writes one vnet header + frame. Returns false when the kernel queue is full (the frame is dropped, as on a wire).</summary>
    public bool Write(ReadOnlySpan<byte> headerAndFrame)
    {
        while (true)
        {
            if (TapInterop.Write(_fd.Fd, headerAndFrame) >= 0)
            {
                return true;
            }

            var errno = TapInterop.LastErrno;
            if (errno == TapInterop.EAGAINValue)
            {
                return false;
            }

            if (errno != TapInterop.EINTRValue)
            {
                throw new Win32Exception(errno, $"write to {Name} failed.");
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _fd.Dispose();
}
