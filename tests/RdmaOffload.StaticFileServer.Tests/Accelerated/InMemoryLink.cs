using System.Collections.Concurrent;
using System.Diagnostics;
using RdmaOffload.NetStack;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Link;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Wire;

namespace RdmaOffload.StaticFileServer.Tests.Accelerated;

/// <summary>(Copied from RdmaOffload.Accelerated.Tests.) 
/// Two NetStacks joined by a perfect in-memory Ethernet link and driven by one thread in real time (the RDMA side
/// runs in real time too): <see cref="Client"/> plays the client machine, <see cref="Stack"/> is the adapter's.
/// </summary>
internal sealed class InMemoryLink : IStackDispatcher, IDisposable
{
    public static readonly Ipv4Address ClientAddress = Ipv4Address.Parse("10.99.0.1");
    public static readonly Ipv4Address AdapterAddress = Ipv4Address.Parse("10.99.0.2");

    private readonly ConcurrentQueue<Action> _posted = new();
    private readonly Queue<byte[]> _toAdapter = new();
    private readonly Queue<byte[]> _toClient = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Thread _thread;
    private volatile bool _stop;

    public InMemoryLink(int adapterInitialCredit)
    {
        var clientMac = MacAddress.Parse("02:00:00:00:99:01");
        var adapterMac = MacAddress.Parse("02:00:00:00:99:02");
        Client = new NetworkStack(new NetworkStackOptions { MacAddress = clientMac, Address = ClientAddress }, new QueueSink(_toAdapter));
        var adapterOptions = new NetworkStackOptions { MacAddress = adapterMac, Address = AdapterAddress };
        adapterOptions.Tcp.InitialReceiveCredit = adapterInitialCredit;
        Stack = new NetworkStack(adapterOptions, new QueueSink(_toClient));
        Client.AddNeighbor(AdapterAddress, adapterMac, Now);
        Stack.AddNeighbor(ClientAddress, clientMac, Now);
        _thread = new Thread(Loop) { IsBackground = true, Name = "in-memory-link" };
        _thread.Start();
    }

    public static long Now => (long)(Stopwatch.GetTimestamp() * (1_000_000.0 / Stopwatch.Frequency));

    public NetworkStack Client { get; }

    public NetworkStack Stack { get; }

    /// <summary>The first exception thrown on the loop thread (by a stack or posted work), if any.</summary>
    public Exception? Failure { get; private set; }

    public void Post(Action work)
    {
        _posted.Enqueue(work);
        _wake.Set();
    }

    /// <summary>Opens a client connection to the adapter's <paramref name="port"/>.</summary>
    public Task<TcpConnection> ConnectAsync(ushort port, ITcpConnectionHandler handler) =>
        this.InvokeAsync(() => Client.Connect(AdapterAddress, port, handler, Now));

    public void Dispose()
    {
        _stop = true;
        _wake.Set();
        _thread.Join();
        _wake.Dispose();
    }

    private void Loop()
    {
        while (!_stop)
        {
            try
            {
                var busy = false;
                while (_posted.TryDequeue(out var work))
                {
                    work();
                    busy = true;
                }

                var now = Now;
                while (_toAdapter.Count > 0 || _toClient.Count > 0)
                {
                    while (_toAdapter.TryDequeue(out var frame))
                    {
                        Stack.Handle(frame, now);
                    }

                    while (_toClient.TryDequeue(out var frame))
                    {
                        Client.Handle(frame, now);
                    }

                    busy = true;
                }

                Client.Poll(now);
                Stack.Poll(now);
                if (busy || _toAdapter.Count > 0 || _toClient.Count > 0)
                {
                    continue;
                }

                var next = Math.Min(Client.NextPollTime, Stack.NextPollTime);
                var waitMs = next == long.MaxValue ? 10 : Math.Clamp((next - Now) / 1000, 0, 10);
                if (waitMs > 0)
                {
                    _wake.WaitOne((int)waitMs);
                }
            }
            catch (Exception e)
            {
                Failure ??= e;
            }
        }
    }

    /// <summary>Each transmitted frame becomes a copy queued for the other stack.</summary>
    private sealed class QueueSink(Queue<byte[]> destination) : IFrameSink
    {
        private byte[] _buffer = new byte[2048];

        public Span<byte> GetFrameBuffer(int maxLength)
        {
            if (_buffer.Length < maxLength)
            {
                _buffer = new byte[maxLength];
            }

            return _buffer;
        }

        public void Commit(int length) => destination.Enqueue(_buffer.AsSpan(0, length).ToArray());
    }
}
