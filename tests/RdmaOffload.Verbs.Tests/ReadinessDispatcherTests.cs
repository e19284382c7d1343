using RdmaOffload.Verbs.IbVerbs;
using RdmaOffload.Verbs.IbVerbs.Interop;

namespace RdmaOffload.Verbs.Tests;

/// <summary>The event thread (epoll + eventfd through the shim) wakes handlers without polling.</summary>
public sealed class ReadinessDispatcherTests
{
    private sealed class DrainingHandler(int fd) : IReadinessHandler
    {
        private int _calls;

        public TaskCompletionSource Woken { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls => Volatile.Read(ref _calls);

        public void Reset() => Woken = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void OnReadable()
        {
            _ = Readiness.EventFdDrain(fd);
            Interlocked.Increment(ref _calls);
            Woken.TrySetResult();
        }
    }

    [Test]
    public async Task A_readable_fd_wakes_its_handler_once_per_signal_and_not_after_unregistering()
    {
        int fd = Readiness.EventFdCreate();
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), "eventfd");
        try
        {
            using var dispatcher = new ReadinessDispatcher();
            var handler = new DrainingHandler(fd);
            ulong token = dispatcher.Register(fd, handler);
            await Task.Delay(100);
            Assert.That(handler.Calls, Is.Zero, "nothing is readable yet");

            Assert.That(Readiness.EventFdSignal(fd), Is.Zero);
            await handler.Woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await Task.Delay(100);
            Assert.That(handler.Calls, Is.EqualTo(1), "the drained fd is not reported again");

            handler.Reset();
            Assert.That(Readiness.EventFdSignal(fd), Is.Zero);
            await handler.Woken.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(handler.Calls, Is.EqualTo(2));

            dispatcher.Unregister(fd, token);
            Assert.That(Readiness.EventFdSignal(fd), Is.Zero);
            await Task.Delay(200);
            Assert.That(handler.Calls, Is.EqualTo(2), "an unregistered handler is not called");
        }
        finally
        {
            _ = Readiness.CloseFd(fd);
        }
    }

    [Test]
    public void Registering_after_disposal_throws()
    {
        var dispatcher = new ReadinessDispatcher();
        dispatcher.Dispose();
        Assert.That(() => dispatcher.Register(0, new DrainingHandler(-1)), Throws.InstanceOf<ObjectDisposedException>());
    }
}
