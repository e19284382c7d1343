using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RdmaOffload.Verbs.ManagedRoce.Wire;

/// <summary>
/// CRC-32 (the IEEE polynomial, reflected, as in Ethernet, zlib and the RoCE ICRC) of long inputs
/// with 512-bit carry-less multiplication (VPCLMULQDQ): four 64-byte lanes fold 256 bytes per step,
/// which is several times what <see cref="Crc32"/> does with 128-bit folding on the same CPU. The
/// last 16-byte remainder and the tail go through <see cref="Crc32"/>, so there is no Barrett
/// reduction of our own. Fold constants are x^(d±32) mod P, bit-reflected and shifted left by one
/// (the constants of Intel's "Fast CRC computation using PCLMULQDQ" and Linux's crc32-pclmul),
/// computed at start-up rather than transcribed.
/// </summary>
internal static class FoldingCrc32
{
    /// <summary>Inputs shorter than this go to <see cref="Crc32"/> as they are.</summary>
    public const int MinimumLength = 256;

    private static readonly Vector512<ulong> s_fold2048 = Broadcast(2048);
    private static readonly Vector512<ulong> s_fold512 = Broadcast(512);
    private static readonly Vector128<ulong> s_fold384 = Pair(384);
    private static readonly Vector128<ulong> s_fold256 = Pair(256);
    private static readonly Vector128<ulong> s_fold128 = Pair(128);

    /// <summary>True where the 512-bit path runs (AVX-512 with VPCLMULQDQ).</summary>
    public static bool IsAccelerated => Pclmulqdq.V512.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Continues a CRC: <paramref name="register"/> is the raw shift register (not inverted) after
    /// the bytes before <paramref name="data"/>; returns the raw register after them.
    /// <paramref name="scratch"/> is reset and used for the remainder.
    /// </summary>
    public static uint Update(uint register, ReadOnlySpan<byte> data, Crc32 scratch)
    {
        if (!IsAccelerated || data.Length < MinimumLength)
        {
            return Finish(register, Span<byte>.Empty, data, scratch);
        }

        ref byte start = ref MemoryMarshal.GetReference(data);

        // The register enters as an XOR into the first four message bytes (CRC linearity).
        var x0 = Vector512.LoadUnsafe(ref start).AsUInt64() ^ Vector512.CreateScalar((ulong)register);
        var x1 = Vector512.LoadUnsafe(ref start, 64).AsUInt64();
        var x2 = Vector512.LoadUnsafe(ref start, 128).AsUInt64();
        var x3 = Vector512.LoadUnsafe(ref start, 192).AsUInt64();
        nuint position = 256;
        nuint length = (nuint)data.Length;
        for (; length - position >= 256; position += 256)
        {
            x0 = Fold(x0, s_fold2048) ^ Vector512.LoadUnsafe(ref start, position).AsUInt64();
            x1 = Fold(x1, s_fold2048) ^ Vector512.LoadUnsafe(ref start, position + 64).AsUInt64();
            x2 = Fold(x2, s_fold2048) ^ Vector512.LoadUnsafe(ref start, position + 128).AsUInt64();
            x3 = Fold(x3, s_fold2048) ^ Vector512.LoadUnsafe(ref start, position + 192).AsUInt64();
        }

        var x = Fold(x0, s_fold512) ^ x1;
        x = Fold(x, s_fold512) ^ x2;
        x = Fold(x, s_fold512) ^ x3;
        for (; length - position >= 64; position += 64)
        {
            x = Fold(x, s_fold512) ^ Vector512.LoadUnsafe(ref start, position).AsUInt64();
        }

        var y = Fold(x.GetLower().GetLower(), s_fold384) ^ Fold(x.GetLower().GetUpper(), s_fold256)
            ^ Fold(x.GetUpper().GetLower(), s_fold128) ^ x.GetUpper().GetUpper();
        for (; length - position >= 16; position += 16)
        {
            y = Fold(y, s_fold128) ^ Vector128.LoadUnsafe(ref start, position).AsUInt64();
        }

        // y is congruent to everything so far: the CRC of (y, tail) from a zero register is the answer.
        return Finish(y, data[(int)position..], scratch);
    }

    /// <summary>The raw register after <paramref name="folded"/> (16 bytes) and <paramref name="tail"/>, from a zero register.</summary>
    private static uint Finish(Vector128<ulong> folded, ReadOnlySpan<byte> tail, Crc32 scratch)
    {
        Span<byte> head = stackalloc byte[16];
        folded.AsByte().CopyTo(head);
        return Finish(0, head, tail, scratch);
    }

    /// <summary>The raw register after <paramref name="head"/> and <paramref name="tail"/>, from <paramref name="register"/>.</summary>
    private static uint Finish(uint register, Span<byte> head, ReadOnlySpan<byte> tail, Crc32 scratch)
    {
        if (head.Length == 0)
        {
            if (tail.Length < 4)
            {
                return UpdateBitwise(register, tail);
            }

            Span<byte> first = stackalloc byte[4];
            tail[..4].CopyTo(first);
            return Finish(register, first, tail[4..], scratch);
        }

        // Crc32 starts from ~0 and inverts at the end: XORing ~register into the first four bytes
        // makes it start from any register (CRC linearity).
        BinaryPrimitives.WriteUInt32LittleEndian(head, BinaryPrimitives.ReadUInt32LittleEndian(head) ^ ~register);
        scratch.Reset();
        scratch.Append(head);
        scratch.Append(tail);
        return ~scratch.GetCurrentHashAsUInt32();
    }

    /// <summary>For the odd input under four bytes.</summary>
    private static uint UpdateBitwise(uint register, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            register ^= b;
            for (int bit = 0; bit < 8; bit++)
            {
                register = (register & 1) != 0 ? (register >> 1) ^ 0xEDB88320 : register >> 1;
            }
        }

        return register;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<ulong> Fold(Vector512<ulong> x, Vector512<ulong> constants) =>
        Pclmulqdq.V512.CarrylessMultiply(x, constants, 0x00) ^ Pclmulqdq.V512.CarrylessMultiply(x, constants, 0x11);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ulong> Fold(Vector128<ulong> x, Vector128<ulong> constants) =>
        Pclmulqdq.CarrylessMultiply(x, constants, 0x00) ^ Pclmulqdq.CarrylessMultiply(x, constants, 0x11);

    /// <summary>Constants that move a 128-bit lane <paramref name="distance"/> bits further: low half x^(d+32), high half x^(d-32).</summary>
    private static Vector128<ulong> Pair(int distance) => Vector128.Create(Constant(distance + 32), Constant(distance - 32));

    private static Vector512<ulong> Broadcast(int distance)
    {
        var pair = Pair(distance);
        return Vector512.Create(Vector256.Create(pair, pair), Vector256.Create(pair, pair));
    }

    /// <summary>x^n mod P (P = 0x104C11DB7), bit-reflected to 32 bits and shifted left by one.</summary>
    private static ulong Constant(int n)
    {
        ulong remainder = 1;
        for (int i = 0; i < n; i++)
        {
            remainder <<= 1;
            if ((remainder & 0x1_0000_0000UL) != 0)
            {
                remainder ^= 0x1_04C1_1DB7UL;
            }
        }

        uint reflected = 0;
        for (int bit = 0; bit < 32; bit++)
        {
            if ((remainder & (1UL << bit)) != 0)
            {
                reflected |= 1u << (31 - bit);
            }
        }

        return (ulong)reflected << 1;
    }
}
