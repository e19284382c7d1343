using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;

namespace RdmaOffload.Verbs.RxeInteropTests;

/// <summary>A RoCEv2 packet as captured on the wire, with the IP/UDP facts its ICRC covers.</summary>
internal sealed record CapturedRocePacket(IPAddress Source, IPAddress Destination, ushort SourcePort, ushort DestinationPort, ushort Ipv4Identification, bool DontFragment, byte[] Payload);

/// <summary>tshark capturing UDP 4791 on the kernel side of the veth into a classic pcap file.</summary>
internal sealed class RoceCapture : IDisposable
{
    private readonly Process _tshark;
    private readonly string _file;

    private RoceCapture(Process tshark, string file)
    {
        _tshark = tshark;
        _file = file;
    }

    internal string File => _file;

    internal static RoceCapture Start(string interfaceName)
    {
        string file = Path.Combine(Path.GetTempPath(), $"rxe-interop-{Guid.NewGuid():N}.pcap");
        var start = new ProcessStartInfo("tshark") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in new[] { "-i", interfaceName, "-f", "udp port 4791", "-F", "pcap", "-w", file })
        {
            start.ArgumentList.Add(argument);
        }

        Process tshark;
        try
        {
            tshark = Process.Start(start) ?? throw new InvalidOperationException("tshark did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"tshark is missing ({e.Message}): scripts/install-deps vm installs it");
            throw;
        }

        // tshark says "Capturing on '<if>'" once the capture is live.
        var deadline = Stopwatch.StartNew();
        while (tshark.StandardError.ReadLine() is { } line)
        {
            if (line.Contains("Capturing on", StringComparison.Ordinal))
            {
                return new RoceCapture(tshark, file);
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }
        }

        tshark.Kill();
        Assert.Fail("tshark did not start capturing");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Stops the capture (SIGINT, so tshark finishes the file) and reads the packets.</summary>
    internal IReadOnlyList<CapturedRocePacket> Stop()
    {
        Thread.Sleep(500); // let the last packets reach the capture
        Shell.Run("kill", "-INT", _tshark.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!_tshark.WaitForExit(60_000))
        {
            _tshark.Kill();
            Assert.Fail("tshark did not stop");
        }

        return ReadPcap(System.IO.File.ReadAllBytes(_file));
    }

    /// <summary>Classic pcap with Ethernet frames; keeps IPv4/IPv6 UDP datagrams (the filter made them RoCE).</summary>
    internal static List<CapturedRocePacket> ReadPcap(ReadOnlySpan<byte> pcap)
    {
        Assert.That(pcap.Length, Is.GreaterThanOrEqualTo(24), "capture file too short");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(pcap), Is.EqualTo(0xA1B2C3D4u), "not a little-endian classic pcap file");
        Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(pcap[20..]), Is.EqualTo(1u), "capture is not Ethernet");
        var packets = new List<CapturedRocePacket>();
        int offset = 24;
        while (offset + 16 <= pcap.Length)
        {
            int captured = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap[(offset + 8)..]);
            int original = (int)BinaryPrimitives.ReadUInt32LittleEndian(pcap[(offset + 12)..]);
            Assert.That(captured, Is.EqualTo(original), "tshark truncated a packet");
            var frame = pcap.Slice(offset + 16, captured);
            offset += 16 + captured;
            if (ParseFrame(frame) is { } packet)
            {
                packets.Add(packet);
            }
        }

        return packets;
    }

    private static CapturedRocePacket? ParseFrame(ReadOnlySpan<byte> frame)
    {
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        var ip = frame[14..];
        IPAddress source, destination;
        ushort identification = 0;
        bool dontFragment = false;
        ReadOnlySpan<byte> udp;
        if (etherType == 0x0800)
        {
            int headerLength = (ip[0] & 0xF) * 4;
            identification = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
            dontFragment = (ip[6] & 0x40) != 0;
            source = new IPAddress(ip.Slice(12, 4));
            destination = new IPAddress(ip.Slice(16, 4));
            udp = ip[headerLength..BinaryPrimitives.ReadUInt16BigEndian(ip[2..])];
        }
        else if (etherType == 0x86DD)
        {
            source = new IPAddress(ip.Slice(8, 16));
            destination = new IPAddress(ip.Slice(24, 16));
            udp = ip.Slice(40, BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
        }
        else
        {
            return null;
        }

        return new CapturedRocePacket(source, destination, BinaryPrimitives.ReadUInt16BigEndian(udp), BinaryPrimitives.ReadUInt16BigEndian(udp[2..]),
            identification, dontFragment, udp[8..].ToArray());
    }

    /// <summary>Runs tshark's RoCEv2 dissector over the file; returns (packets dissected as InfiniBand, malformed ones).</summary>
    internal (int InfiniBand, int Malformed, string Opcodes) Dissect()
    {
        static string Tshark(params string[] args) => Shell.Run("tshark", args);
        string[] common = ["-r", _file, "-d", "udp.port==4791,infiniband"];
        int infiniband = Tshark([.. common, "-Y", "infiniband.bth"]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        int malformed = Tshark([.. common, "-Y", "_ws.malformed || _ws.expert.severity == 8388608"]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        string opcodes = string.Join(", ", Tshark([.. common, "-T", "fields", "-e", "infiniband.bth.opcode"])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).GroupBy(o => o).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}"));
        return (infiniband, malformed, opcodes);
    }

    public void Dispose()
    {
        if (!_tshark.HasExited)
        {
            _tshark.Kill();
        }

        _tshark.Dispose();
        System.IO.File.Delete(_file);
    }
}
