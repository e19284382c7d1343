using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>
/// ICRC verification when the IPv4 identification field is unknown (a UDP socket never sees it, and
/// kernel rxe randomises it). The CRC is affine in the message bits, so for a fixed length the
/// identification's 16 bits add <c>M·id</c> to the CRC for a 32×16 matrix <c>M</c> that depends only
/// on the length. A packet verifies when <c>stored ⊕ crc(id = 0)</c> lies in the span of <c>M</c>,
/// which also recovers the identification. This keeps 16 of the 32 check bits (a random corruption
/// passes with probability 2^-16 instead of 2^-32).
/// </summary>
public static class UnknownIdentificationIcrc
{
    private const int MaxCachedLengths = 4096;
    private static readonly ConcurrentDictionary<int, Basis> Bases = new();

    /// <summary>
    /// True when some IPv4 identification makes the packet's stored ICRC correct;
    /// <paramref name="identification"/> is that value.
    /// </summary>
    public static bool TryVerify(ReadOnlySpan<byte> packet, in IcrcAddressing addressing, out ushort identification)
    {
        identification = 0;
        if (packet.Length < BaseTransportHeader.Length + RocePacket.IcrcLength || !addressing.IsIPv4)
        {
            return false;
        }

        var zero = addressing with { Ipv4Identification = 0 };
        uint difference = BinaryPrimitives.ReadUInt32LittleEndian(packet[^RocePacket.IcrcLength..]) ^ InvariantCrc.Compute(packet, zero);
        if (difference == 0)
        {
            return true;
        }

        var basis = Bases.TryGetValue(packet.Length, out var cached) ? cached : BuildBasis(packet, zero);
        return basis.TrySolve(difference, out identification);
    }

    private static Basis BuildBasis(ReadOnlySpan<byte> packet, in IcrcAddressing zero)
    {
        // Column j is the CRC change caused by identification bit j alone; it does not depend on the
        // packet's contents, only its length, so it is computed once per length.
        uint baseline = InvariantCrc.Compute(packet, zero);
        var basis = new Basis();
        for (int bit = 0; bit < 16; bit++)
        {
            basis.Insert(InvariantCrc.Compute(packet, zero with { Ipv4Identification = (ushort)(1 << bit) }) ^ baseline, (ushort)(1 << bit));
        }

        if (Bases.Count < MaxCachedLengths)
        {
            Bases.TryAdd(packet.Length, basis);
        }

        return basis;
    }

    /// <summary>An XOR basis indexed by each vector's highest set bit, with the identification bits that made it.</summary>
    private sealed class Basis
    {
        private readonly uint[] _vectors = new uint[32];
        private readonly ushort[] _combinations = new ushort[32];

        public void Insert(uint vector, ushort combination)
        {
            for (int bit = 31; bit >= 0 && vector != 0; bit--)
            {
                if ((vector & (1u << bit)) == 0)
                {
                    continue;
                }

                if (_vectors[bit] == 0)
                {
                    _vectors[bit] = vector;
                    _combinations[bit] = combination;
                    return;
                }

                vector ^= _vectors[bit];
                combination ^= _combinations[bit];
            }
        }

        public bool TrySolve(uint target, out ushort combination)
        {
            combination = 0;
            for (int bit = 31; bit >= 0 && target != 0; bit--)
            {
                if ((target & (1u << bit)) == 0)
                {
                    continue;
                }

                if (_vectors[bit] == 0)
                {
                    return false;
                }

                target ^= _vectors[bit];
                combination ^= _combinations[bit];
            }

            return target == 0;
        }
    }
}
