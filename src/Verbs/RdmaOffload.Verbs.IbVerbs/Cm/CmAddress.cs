using System.Net;
using System.Net.Sockets;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.IbVerbs.Cm;

/// <summary>IP endpoints to and from the shim's (bytes, family, port) form.</summary>
internal static class CmAddress
{
    internal static (byte[] Bytes, int Family) ToNative(IPAddress address)
    {
        var bytes = new byte[16];
        address.TryWriteBytes(bytes, out _);
        return (bytes, address.AddressFamily == AddressFamily.InterNetwork ? 4 : 6);
    }

    // Safe: no pointer use of its own; Read copies the peer address into its own 16-byte stack buffer.
    internal static unsafe IPEndPoint? ReadPeer(nint id) => Read(id, peer: true);

    // Safe: no pointer use of its own; Read copies the local address into its own 16-byte stack buffer.
    internal static unsafe IPEndPoint? ReadLocal(nint id) => Read(id, peer: false);

    // Safe: `raw` is a 16-byte stackalloc on this frame and the shim writes at most 16 bytes (IPv6)
    // into it; the span reads 4 or 16 of them only after rc == 0 has set `family`.
    private static unsafe IPEndPoint? Read(nint id, bool peer)
    {
        byte* raw = stackalloc byte[16];
        int family;
        ushort port;
        int rc = peer
            ? ConnectionManager.IdPeerAddress(id, raw, out family, out port)
            : ConnectionManager.IdLocalAddress(id, raw, out family, out port);
        if (rc != 0)
        {
            return null;
        }

        var bytes = new ReadOnlySpan<byte>(raw, family == 4 ? 4 : 16);
        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
