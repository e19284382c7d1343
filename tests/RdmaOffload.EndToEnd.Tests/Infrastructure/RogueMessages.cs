using System.Buffers.Binary;

namespace RdmaOffload.EndToEnd.Tests.Infrastructure;

public enum RogueMessage
{
    RandomBytes,
    HugeLengthHeader,
    TruncatedHeader,
    MessageBeforeHello,
}

/// <summary>What a broken or hostile host might SEND on its link instead of a well-formed hello (docs/protocol.md).</summary>
internal static class RogueMessages
{
    public static int Write(RogueMessage kind, Span<byte> destination)
    {
        switch (kind)
        {
            case RogueMessage.RandomBytes:
                new Random(7).NextBytes(destination[..512]);
                return 512;
            case RogueMessage.HugeLengthHeader:
                // "RO" v1 Hello whose length field claims far more than a frame may hold or the SEND carries.
                WriteHeader(destination, type: 0x01, length: 0xFFFF, workQueue: 0);
                return 16;
            case RogueMessage.TruncatedHeader:
                destination[0] = (byte)'R';
                destination[1] = (byte)'O';
                destination[2] = 1;
                return 3;
            default:
                // A well-formed RegisterService (port 9000, weight 1, no limit) from a host that never said hello.
                WriteHeader(destination, type: 0x10, length: 20, workQueue: 0);
                BinaryPrimitives.WriteUInt16BigEndian(destination[12..], 9000);
                BinaryPrimitives.WriteUInt16BigEndian(destination[14..], 1);
                BinaryPrimitives.WriteUInt32BigEndian(destination[16..], 0);
                return 20;
        }
    }

    private static void WriteHeader(Span<byte> destination, byte type, ushort length, uint workQueue)
    {
        destination[0] = (byte)'R';
        destination[1] = (byte)'O';
        destination[2] = 1; // version
        destination[3] = type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], 0); // flags
        BinaryPrimitives.WriteUInt16BigEndian(destination[6..], length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], workQueue);
    }
}
