using System.Security.Cryptography;
using RdmaOffload.Protocol.Wire;

namespace RdmaOffload.Protocol.Auth;

/// <summary>
/// Everything both peers saw in the hello exchange. Each proof is
/// <c>HMAC-SHA256(secret, label ‖ role ‖ host min ‖ host max ‖ chosen version ‖ host nonce ‖ adapter nonce ‖
/// len ‖ host identity ‖ len ‖ adapter identity)</c>, so a proof binds both nonces (no replay across links), both
/// identities (no reflection to another peer), and the offered range with the choice (no version downgrade).
/// </summary>
/// <param name="HostVersions">The range the host offered in its hello.</param>
/// <param name="ChosenVersion">The version the adapter chose.</param>
/// <param name="HostNonce">The host's nonce.</param>
/// <param name="AdapterNonce">The adapter's nonce.</param>
/// <param name="HostIdentity">The host's identity.</param>
/// <param name="AdapterIdentity">The adapter's identity.</param>
public readonly record struct AuthTranscript(
    VersionRange HostVersions, byte ChosenVersion, Bytes32 HostNonce, Bytes32 AdapterNonce, string HostIdentity, string AdapterIdentity)
{
    private static ReadOnlySpan<byte> Label => "RdmaOffload auth v1\0"u8;

    private const int MaxLength = 20 + 1 + 3 + (2 * Bytes32.Length) + (2 * (1 + PeerIdentity.MaxLength));

    /// <summary>The MAC <paramref name="role"/> sends as its proof.</summary>
    /// <exception cref="ArgumentException">An identity is not a valid <see cref="PeerIdentity"/>.</exception>
    public Bytes32 ComputeProof(SharedSecret secret, AuthRole role)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (!PeerIdentity.IsValid(HostIdentity) || !PeerIdentity.IsValid(AdapterIdentity))
        {
            throw new ArgumentException("Transcript identities must be valid peer identities.");
        }

        Span<byte> transcript = stackalloc byte[MaxLength];
        var length = Write(transcript, role);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret.Key, transcript[..length], mac);
        var proof = Bytes32.Read(mac);
        CryptographicOperations.ZeroMemory(mac);
        return proof;
    }

    /// <summary>Whether <paramref name="proof"/> is <paramref name="role"/>'s proof under <paramref name="secret"/>; constant-time.</summary>
    public bool Verify(SharedSecret secret, AuthRole role, Bytes32 proof) =>
        ComputeProof(secret, role) == proof;

    private int Write(Span<byte> destination, AuthRole role)
    {
        Label.CopyTo(destination);
        var offset = Label.Length;
        destination[offset++] = (byte)role;
        destination[offset++] = HostVersions.Min;
        destination[offset++] = HostVersions.Max;
        destination[offset++] = ChosenVersion;
        HostNonce.CopyTo(destination[offset..]);
        offset += Bytes32.Length;
        AdapterNonce.CopyTo(destination[offset..]);
        offset += Bytes32.Length;
        offset += PeerIdentity.Write(destination[offset..], HostIdentity);
        offset += PeerIdentity.Write(destination[offset..], AdapterIdentity);
        return offset;
    }
}
