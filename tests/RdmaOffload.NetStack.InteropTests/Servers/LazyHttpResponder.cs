using System.Text;
using RdmaOffload.NetStack.Tcp;

namespace RdmaOffload.NetStack.InteropTests.Servers;

/// <summary>
/// HTTP on the adapter-facing API directly (no pipes, no copies into buffers): the response body is declared with
/// <see cref="TcpConnection.AppendSendData"/> and generated only when the stack builds each segment — the way the
/// target adapter will fill segments from RDMA READs. One request per connection (<c>GET /bytes/N</c>).
/// </summary>
public sealed class LazyHttpResponder : ITcpAcceptHandler
{
    private int _completed;

    public int Completed => Volatile.Read(ref _completed);

    public ITcpConnectionHandler? OnConnectionEstablished(TcpConnection connection) => new Exchange(this);

    private sealed class Exchange(LazyHttpResponder owner) : ITcpConnectionHandler
    {
        private readonly List<byte> _request = [];
        private byte[] _header = [];
        private bool _responding;

        public void OnConnected(TcpConnection connection)
        {
        }

        public void OnDataReceived(TcpConnection connection, ReadOnlySpan<byte> data)
        {
            connection.GrantReceiveCredit(data.Length);
            if (_responding)
            {
                return;
            }

            _request.AddRange(data);
            var text = Encoding.ASCII.GetString([.. _request]);
            if (!text.Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                return;
            }

            var path = text.Split(' ')[1];
            var length = path.StartsWith("/bytes/", StringComparison.Ordinal) ? long.Parse(path[7..], System.Globalization.CultureInfo.InvariantCulture) : 0;
            _header = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
            _responding = true;
            connection.AppendSendData(_header.Length + length);
            connection.CloseSend();
        }

        public void OnReceiveClosed(TcpConnection connection)
        {
        }

        public void CopySendData(TcpConnection connection, long streamOffset, Span<byte> destination)
        {
            if (streamOffset < _header.Length)
            {
                var count = (int)Math.Min(_header.Length - streamOffset, destination.Length);
                _header.AsSpan((int)streamOffset, count).CopyTo(destination);
                destination = destination[count..];
                streamOffset += count;
            }

            GeneratedContent.Fill(streamOffset - _header.Length, destination);
        }

        public void OnDataAcknowledged(TcpConnection connection, long acknowledgedOffset)
        {
        }

        public void OnClosed(TcpConnection connection, TcpCloseReason reason)
        {
            if (reason == TcpCloseReason.Graceful)
            {
                Interlocked.Increment(ref owner._completed);
            }
        }
    }
}
