using System.Collections.Concurrent;
using RdmaOffload.NetStack.Api;
using RdmaOffload.NetStack.Tcp;
using RdmaOffload.NetStack.Tests.Simulation;

namespace RdmaOffload.NetStack.Tests.Api;

/// <summary>The Pipelines adapter on stack B of a simulated network, driven by a dispatcher thread in simulated time.</summary>
public sealed class PipeAdapterTests
{
    /// <summary>Runs posted work and advances the simulation on one thread, like NetStackHost does with a TAP.</summary>
    private sealed class SimulatedDispatcher : IStackDispatcher, IDisposable
    {
        private readonly ConcurrentQueue<Action> _posted = new();
        private readonly Thread _thread;
        private volatile bool _stop;

        public SimulatedDispatcher(SimulatedNetwork network)
        {
            Network = network;
            _thread = new Thread(Loop) { IsBackground = true, Name = "sim-dispatcher" };
            _thread.Start();
        }

        public SimulatedNetwork Network { get; }

        public NetworkStack Stack => Network.B;

        public Exception? Failure { get; private set; }

        public void Post(Action work) => _posted.Enqueue(work);

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }

        private void Loop()
        {
            try
            {
                while (!_stop)
                {
                    while (_posted.TryDequeue(out var work))
                    {
                        work();
                    }

                    Network.RunFor(500); // half a simulated millisecond per turn
                    Thread.Yield();
                }
            }
            catch (Exception e)
            {
                Failure = e;
            }
        }
    }

    private static async Task<T> WaitForAsync<T>(SimulatedDispatcher dispatcher, Func<T> probe, Func<T, bool> done, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var value = await dispatcher.InvokeAsync(probe);
            if (done(value))
            {
                return value;
            }

            Assert.That(dispatcher.Failure, Is.Null);
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}; last value {value}");
            }

            await Task.Delay(5);
        }
    }

    [Test]
    public async Task Echo_through_pipes_returns_every_byte()
    {
        using var dispatcher = new SimulatedDispatcher(new SimulatedNetwork(31));
        var listener = await TcpPipeListener.StartAsync(dispatcher, 7);
        var data = TestConnection.RandomPayload(2_000_000, 12);
        var client = new TestConnection(data);
        await dispatcher.InvokeAsync(() => dispatcher.Network.A.Connect(SimulatedNetwork.AddressB, 7, client, dispatcher.Network.Now));

        var server = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.That(server.FourTuple.LocalPort, Is.EqualTo(7));
        await server.Input.CopyToAsync(server.Output).WaitAsync(TimeSpan.FromSeconds(60));
        await server.Output.CompleteAsync();
        await server.Input.CompleteAsync();

        await WaitForAsync(dispatcher, () => client.ReceiveClosed, closed => closed, "the echo to finish");
        var received = await dispatcher.InvokeAsync(() => client.Received);
        Assert.That(received, Is.EqualTo(data));
        Assert.That(await server.Closed.WaitAsync(TimeSpan.FromSeconds(30)), Is.EqualTo(TcpCloseReason.Graceful));
    }

    [Test]
    public async Task A_reader_that_stops_closes_the_window_and_resuming_reopens_it()
    {
        using var dispatcher = new SimulatedDispatcher(new SimulatedNetwork(32));
        var credit = dispatcher.Network.B.Options.Tcp.InitialReceiveCredit;
        var listener = await TcpPipeListener.StartAsync(dispatcher, 7);
        var data = TestConnection.RandomPayload(4 * credit, 13);
        var client = new TestConnection(data);
        await dispatcher.InvokeAsync(() => dispatcher.Network.A.Connect(SimulatedNetwork.AddressB, 7, client, dispatcher.Network.Now));
        var server = await listener.AcceptAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // Nobody reads: the client may deliver exactly the initial credit, then sees a zero window.
        var stalled = await WaitForAsync(dispatcher, () => (client.AcknowledgedOffset, client.Connection!.PeerWindow, client.Connection.State,
            dispatcher.Network.B.DescribeConnections()),
            s => s.AcknowledgedOffset == credit && s.PeerWindow == 0, "the window to close");
        Assert.That(stalled.AcknowledgedOffset, Is.EqualTo(credit));
        dispatcher.Network.RunFor(0);
        await Task.Delay(200);
        Assert.That(await dispatcher.InvokeAsync(() => client.AcknowledgedOffset), Is.EqualTo(credit), "still stalled while nobody reads");

        // Reading resumes: everything arrives.
        using var received = new MemoryStream();
        while (true)
        {
            var result = await server.Input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            foreach (var segment in result.Buffer)
            {
                received.Write(segment.Span);
            }

            server.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.That(received.ToArray(), Is.EqualTo(data));
    }
}
