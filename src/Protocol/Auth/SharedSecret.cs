using System.Security.Cryptography;

namespace RdmaOffload.Protocol.Auth;

/// <summary>
/// The key a host and an adapter were both provisioned with. Never sent: each side proves knowledge of it with an
/// HMAC over the link's transcript. Disposing zeroes the copy held here.
/// </summary>
public sealed class SharedSecret : IDisposable
{
    /// <summary>Shortest secret accepted, in bytes (128 bits).</summary>
    public const int MinLength = 16;

    private readonly byte[] _key;
    private bool _disposed;

    /// <summary>Copies <paramref name="key"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is shorter than <see cref="MinLength"/>.</exception>
    public SharedSecret(ReadOnlySpan<byte> key)
    {
        if (key.Length < MinLength)
        {
            throw new ArgumentException($"A shared secret needs at least {MinLength} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    internal ReadOnlySpan<byte> Key
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _key;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _disposed = true;
    }
}
