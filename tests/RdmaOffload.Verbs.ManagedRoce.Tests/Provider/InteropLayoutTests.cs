using System.Net;
using System.Runtime.CompilerServices;
using RdmaOffload.Verbs.ManagedRoce.Interop;

namespace RdmaOffload.Verbs.ManagedRoce.Tests.Provider;

public sealed class InteropLayoutTests
{
    [Test]
    public void Message_headers_match_the_LP64_Linux_layout()
    {
        Assert.That(Unsafe.SizeOf<Libc.IoVector>(), Is.EqualTo(16), "struct iovec");
        Assert.That(Unsafe.SizeOf<Libc.MessageHeader>(), Is.EqualTo(56), "struct msghdr");
        Assert.That(Unsafe.SizeOf<Libc.MultiMessageHeader>(), Is.EqualTo(64), "struct mmsghdr");
    }

    [Test]
    public void Socket_addresses_match_what_the_runtime_produces()
    {
        foreach (var endPoint in new[] { new IPEndPoint(IPAddress.Parse("10.1.2.3"), 4791), new IPEndPoint(IPAddress.Parse("fd00::1"), 50000) })
        {
            var raw = new byte[32];
            int length = DatagramBatch.WriteSocketAddress(endPoint, raw);
            var runtime = endPoint.Serialize();
            Assert.That(length, Is.EqualTo(runtime.Size));
            Assert.That(raw.AsSpan(0, length).SequenceEqual(runtime.Buffer.Span[..runtime.Size]), Is.True, endPoint.ToString());
        }
    }
}
