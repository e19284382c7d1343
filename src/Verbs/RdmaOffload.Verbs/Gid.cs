using System.Buffers.Binary;
using System.Net;
using System.Runtime.InteropServices;

namespace RdmaOffload.Verbs;

/// <summary>A 128-bit global identifier (network byte order), as in <c>union ibv_gid</c>.</summary>
[StructLayout(LayoutKind.Sequential, Size = 16)]
public readonly struct Gid : IEquatable<Gid>
{
    private readonly ulong _high; // first 8 bytes on the wire, stored as read (big-endian value)
    private readonly ulong _low;

    /// <summary>Creates a GID from its 16 wire bytes.</summary>
    public Gid(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 16)
        {
            throw new ArgumentException("a GID is 16 bytes", nameof(bytes));
        }

        _high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
    }

    /// <summary>The all-zero GID (an unused table entry).</summary>
    public static Gid Zero => default;

    /// <summary>True for an unused (all-zero) entry.</summary>
    public bool IsZero => _high == 0 && _low == 0;

    /// <summary>The GID for an IP address: IPv6 as is, IPv4 as <c>::ffff:a.b.c.d</c> (RoCEv2).</summary>
    public static Gid FromIPAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var v6 = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? address.MapToIPv6() : address;
        Span<byte> bytes = stackalloc byte[16];
        v6.TryWriteBytes(bytes, out _);
        return new Gid(bytes);
    }

    /// <summary>Writes the 16 wire bytes.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _high);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _low);
    }

    /// <summary>The GID as an IP address (IPv4-mapped GIDs become IPv4).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        var address = new IPAddress(bytes);
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }

    /// <inheritdoc/>
    public bool Equals(Gid other) => _high == other._high && _low == other._low;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Gid other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_high, _low);

    /// <summary>Compares two GIDs.</summary>
    public static bool operator ==(Gid left, Gid right) => left.Equals(right);

    /// <summary>Compares two GIDs.</summary>
    public static bool operator !=(Gid left, Gid right) => !left.Equals(right);

    /// <summary>Colon-separated hex, as <c>ibv_devinfo -v</c> prints it.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[16];
        WriteTo(bytes);
        return string.Create(39, bytes.ToArray(), static (chars, b) =>
        {
            int c = 0;
            for (int i = 0; i < 16; i += 2)
            {
                if (i > 0)
                {
                    chars[c++] = ':';
                }

                b[i].TryFormat(chars[c..], out _, "x2");
                b[i + 1].TryFormat(chars[(c + 2)..], out _, "x2");
                c += 4;
            }
        });
    }
}
