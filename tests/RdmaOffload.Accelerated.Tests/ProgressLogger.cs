using Microsoft.Extensions.Logging;

namespace RdmaOffload.Accelerated.Tests;

/// <summary>Log lines to NUnit's progress stream, so a stuck test shows how far the two ends got.</summary>
internal sealed class ProgressLogger(string name) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        TestContext.Progress.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {name} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
}
