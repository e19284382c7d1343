using System.Security.Cryptography;
using System.Text;
using RdmaOffload.Protocol.Auth;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Tests.Auth;

public sealed class AuthTranscriptTests
{
    private static readonly SharedSecret Secret = new(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    private static readonly AuthTranscript Base = new(new VersionRange(1, 2), 1,
        Bytes32.Read(Enumerable.Repeat((byte)0xAA, 32).ToArray()), Bytes32.Read(Enumerable.Repeat((byte)0xBB, 32).ToArray()),
        "host", "adapter");

    [Test]
    public void Proof_is_hmac_sha256_over_the_documented_transcript()
    {
        var transcript = new List<byte>();
        transcript.AddRange(Encoding.ASCII.GetBytes("RdmaOffload auth v1\0"));
        transcript.AddRange(new byte[] { (byte)'H', 1, 2, 1 });
        transcript.AddRange(Enumerable.Repeat((byte)0xAA, 32));
        transcript.AddRange(Enumerable.Repeat((byte)0xBB, 32));
        transcript.Add(4);
        transcript.AddRange("host"u8.ToArray());
        transcript.Add(7);
        transcript.AddRange("adapter"u8.ToArray());
        var expected = HMACSHA256.HashData(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), transcript.ToArray());

        Assert.That(Base.ComputeProof(Secret, AuthRole.Host).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void Every_transcript_field_changes_the_proof()
    {
        var proof = Base.ComputeProof(Secret, AuthRole.Host);
        var variants = new[]
        {
            Base with { HostVersions = new VersionRange(1, 3) },
            Base with { ChosenVersion = 2 },
            Base with { HostNonce = default },
            Base with { AdapterNonce = default },
            Base with { HostIdentity = "hosT" },
            Base with { AdapterIdentity = "adapteR" },
            // Moving a byte between identities must not collide: lengths are part of the transcript.
            Base with { HostIdentity = "hosta", AdapterIdentity = "dapter" },
        };
        foreach (var variant in variants)
        {
            Assert.That(variant.ComputeProof(Secret, AuthRole.Host), Is.Not.EqualTo(proof), variant.ToString());
        }

        Assert.That(Base.ComputeProof(Secret, AuthRole.Adapter), Is.Not.EqualTo(proof), "roles are distinct");
        Assert.That(Base.Verify(Secret, AuthRole.Host, proof), Is.True);
        Assert.That(Base.Verify(Secret, AuthRole.Adapter, proof), Is.False);
    }

    [Test]
    public void Secrets_must_be_long_enough_and_are_unusable_after_disposal()
    {
        Assert.Throws<ArgumentException>(() => _ = new SharedSecret(new byte[SharedSecret.MinLength - 1]));
        var secret = new SharedSecret(new byte[SharedSecret.MinLength]);
        secret.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Base.ComputeProof(secret, AuthRole.Host));
    }

    [Test]
    public void Bytes32_equality_compares_every_byte()
    {
        var a = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        for (var i = 0; i < 32; i++)
        {
            var b = a.ToArray();
            b[i] ^= 0x80;
            Assert.That(Bytes32.Read(a) == Bytes32.Read(b), Is.False, $"byte {i}");
        }

        Assert.That(Bytes32.Read(a) == Bytes32.Read(a.ToArray()), Is.True);
    }
}
