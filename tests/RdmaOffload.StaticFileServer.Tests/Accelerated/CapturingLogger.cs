using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using RdmaOffload.Accelerated.Tests;

namespace RdmaOffload.StaticFileServer.Tests.Accelerated;

/// <summary>Keeps every formatted line (and passes it on to the progress stream).</summary>
internal sealed class CapturingLogger(string name) : ILogger
{
    private readonly ProgressLogger _progress = new(name);
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => [.. _lines];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        _lines.Enqueue(formatter(state, exception));
        _progress.Log(logLevel, eventId, state, exception, formatter);
    }
}
