using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace RdmaOffload.NetStack.Wire;

/// <summary>An IPv4 address held by value as a host-order 32-bit number.</summary>
public readonly record struct Ipv4Address(uint Value)
{
    /// <summary>Length of an IPv4 address on the wire.</summary>
    public const int Length = 4;

    /// <summary>0.0.0.0.</summary>
    public static Ipv4Address Any { get; }

    /// <summary>255.255.255.255.</summary>
    public static Ipv4Address Broadcast { get; } = new(uint.MaxValue);

    /// <summary>Reads an address from the first four bytes of <paramref name="source"/>.</summary>
    public static Ipv4Address Read(ReadOnlySpan<byte> source) => new(BinaryPrimitives.ReadUInt32BigEndian(source));

    /// <summary>Writes the address into the first four bytes of <paramref name="destination"/>.</summary>
    public void Write(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    /// <summary>True when both addresses share the first <paramref name="prefixLength"/> bits.</summary>
    public bool IsInSameSubnet(Ipv4Address other, int prefixLength)
    {
        var mask = prefixLength <= 0 ? 0u : uint.MaxValue << (32 - Math.Min(prefixLength, 32));
        return (Value & mask) == (other.Value & mask);
    }

    /// <summary>Parses dotted-quad text.</summary>
    public static Ipv4Address Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('.');
        if (parts.Length != 4)
        {
            throw new FormatException($"'{text}' is not an IPv4 address.");
        }

        uint value = 0;
        foreach (var part in parts)
        {
            value = (value << 8) | byte.Parse(part, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return new Ipv4Address(value);
    }

    /// <summary>Converts to <see cref="IPAddress"/> (allocates; for diagnostics and configuration).</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[Length];
        Write(bytes);
        return new IPAddress(bytes);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
