using Microsoft.Extensions.Logging;
using RdmaOffload.Accelerated.Tests;

namespace RdmaOffload.Kestrel.Tests;

/// <summary>A host's log lines on NUnit's progress stream.</summary>
internal sealed class ProgressLoggerProvider(string prefix) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new ProgressLogger($"{prefix} {categoryName}");

    public void Dispose()
    {
    }
}
