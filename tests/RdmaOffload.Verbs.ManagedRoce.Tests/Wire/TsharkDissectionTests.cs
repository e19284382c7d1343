using System.Diagnostics;
using System.Net;
using RdmaOffload.Verbs.ManagedRoce.Wire;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Wire;

/// <summary>
/// Checks our packets against an independent dissector. Wireshark 4.0 shows the ICRC but does not
/// verify it, so this proves the layout (opcode, QPN, PSN, RETH, ICRC position and byte order);
/// the CRC value itself is checked in <see cref="InvariantCrcTests"/>.
/// </summary>
public sealed class TsharkDissectionTests
{
    [Test]
    public void Tshark_decodes_an_rdma_write_we_built()
    {
        const string Tshark = "/usr/bin/tshark";
        if (!File.Exists(Tshark))
        {
            Assert.Fail("tshark is required for this test: scripts/install-deps (it is in the tools group) or apt-get install tshark");
        }

        var payload = "payload!"u8.ToArray();
        var transport = new byte[RocePacketWriter.PacketLength(RoceOpcode.RdmaWriteOnly, payload.Length)];
        payload.CopyTo(RocePacketWriter.Write(
            transport,
            new BaseTransportHeader { Opcode = (byte)RoceOpcode.RdmaWriteOnly, PartitionKey = 0xFFFF, DestinationQueuePair = 0xABCDE, AckRequest = true, Psn = new Psn(0x123456) },
            payload.Length,
            new RdmaExtendedTransportHeader(0x1122334455667788, 0xCAFE, (uint)payload.Length)));
        var addressing = new IcrcAddressing(Gid.FromIPAddress(IPAddress.Loopback), Gid.FromIPAddress(IPAddress.Parse("127.0.0.2")), 50000, 4791);
        InvariantCrc.Write(transport, addressing);
        uint icrc = InvariantCrc.Compute(transport, addressing);

        var ip = KnownHeaders(transport.Length);
        var frame = ip.Concat(transport).ToArray();
        string pcap = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"roce-{Environment.ProcessId}.pcap");
        using (var file = File.Create(pcap))
        using (var writer = new BinaryWriter(file))
        {
            writer.Write(0xA1B2C3D4u);
            writer.Write((ushort)2);
            writer.Write((ushort)4);
            writer.Write(0);
            writer.Write(0u);
            writer.Write(65535u);
            writer.Write(101u); // LINKTYPE_RAW (IP)
            writer.Write(0u);
            writer.Write(0u);
            writer.Write((uint)frame.Length);
            writer.Write((uint)frame.Length);
            writer.Write(frame);
        }

        var start = new ProcessStartInfo(Tshark, ["-r", pcap, "-d", "udp.port==4791,infiniband", "--disable-protocol", "rpcordma", "-T", "fields", "-E", "separator=,",
            "-e", "infiniband.bth.opcode", "-e", "infiniband.bth.destqp", "-e", "infiniband.bth.psn", "-e", "infiniband.bth.a",
            "-e", "infiniband.reth.va", "-e", "infiniband.reth.r_key", "-e", "infiniband.reth.dmalen", "-e", "infiniband.invariant.crc"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit(30_000);
        TestContext.Out.WriteLine(errors.Result);
        File.Delete(pcap);

        // tshark prints the 4 ICRC bytes read big-endian: our little-endian value appears byte-swapped.
        uint shown = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(icrc);
        Assert.That(output, Is.EqualTo($"10,0x0abcde,1193046,1,0x1122334455667788,0x0000cafe,8,0x{shown:x8}"));
    }

    private static byte[] KnownHeaders(int transportLength)
    {
        int total = 20 + 8 + transportLength;
        var header = new byte[28];
        header[0] = 0x45;
        header[2] = (byte)(total >> 8);
        header[3] = (byte)total;
        header[6] = 0x40;
        header[8] = 64;
        header[9] = 17;
        IPAddress.Loopback.GetAddressBytes().CopyTo(header, 12);
        IPAddress.Parse("127.0.0.2").GetAddressBytes().CopyTo(header, 16);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += (uint)((header[i] << 8) | header[i + 1]);
        }

        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        header[10] = (byte)(~sum >> 8);
        header[11] = (byte)~sum;
        header[20] = 50000 >> 8;
        header[21] = 50000 & 0xFF;
        header[22] = 4791 >> 8;
        header[23] = 4791 & 0xFF;
        header[24] = (byte)((8 + transportLength) >> 8);
        header[25] = (byte)(8 + transportLength);
        return header;
    }
}
