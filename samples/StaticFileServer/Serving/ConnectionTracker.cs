using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace RdmaOffload.Samples.StaticFileServer.Serving;

/// <summary>The connection tasks in flight, so shutdown can wait for them (bounded) instead of abandoning them.</summary>
internal sealed class ConnectionTracker(ILogger logger)
{
    private readonly ConcurrentDictionary<Task, byte> _active = new();

    public int Count => _active.Count;

    /// <summary>Runs <paramref name="serve"/> on its own task; an unexpected exception is logged, never lost.</summary>
    public void Start(Func<Task> serve)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await serve().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                StaticFileServerLog.ConnectionCrashed(logger, e);
            }
        });
        _active.TryAdd(task, 0);
        _ = task.ContinueWith(t => _active.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits up to <paramref name="timeout"/> for every connection task to finish.</summary>
    public async Task DrainAsync(TimeSpan timeout)
    {
        var remaining = _active.Keys.ToArray();
        if (remaining.Length == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(remaining).WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            StaticFileServerLog.Stopped(logger, _active.Count);
        }
    }
}
