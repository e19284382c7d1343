using System.Buffers.Binary;
using RdmaOffload.NetStack.Link;
using RdmaOffload.NetStack.Tests.Simulation;

namespace RdmaOffload.NetStack.Tests.Wire;

public sealed class PcapTests
{
    [Test]
    public void Capture_of_a_handshake_is_a_valid_pcap_with_every_frame()
    {
        var stream = new MemoryStream();
        var forwarded = new List<byte[]>();
        long now = 1_500_000;
        using (var pcap = new PcapWriter(stream))
        {
            var sink = new PcapFrameSink(new CapturingSink(forwarded.Add), pcap, () => now);
            var stack = new NetworkStack(new NetworkStackOptions { Address = ScriptedPeer.StackAddress, SequenceSecret = new byte[16] }, sink);
            stack.AnnounceAddress(now);
            now += 250;
            stack.AnnounceAddress(now);

            var bytes = stream.ToArray();
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes), Is.EqualTo(0xA1B2C3D4));
            Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)), Is.EqualTo(1), "LINKTYPE_ETHERNET");
            var offset = 24;
            var records = new List<(long Micros, byte[] Frame)>();
            while (offset < bytes.Length)
            {
                var seconds = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
                var micros = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4));
                var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8));
                records.Add((seconds * 1_000_000L + micros, bytes.AsSpan(offset + 16, length).ToArray()));
                offset += 16 + length;
            }

            Assert.That(records.Select(r => r.Micros).ToList(), Is.EqualTo((List<long>)[1_500_000L, 1_500_250L]));
            Assert.That(records.Select(r => r.Frame), Is.EqualTo(forwarded), "the capture holds exactly what was sent");
        }
    }
}
