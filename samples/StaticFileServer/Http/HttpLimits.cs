namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>Limits and timeouts of one HTTP connection (configuration section <c>Http</c>).</summary>
internal sealed class HttpLimits
{
    /// <summary>Longest request line (method, target, version) before 414.</summary>
    public int MaxRequestLineBytes { get; set; } = 8 * 1024;

    /// <summary>Longest request head (request line and headers) before 431; bounds the per-connection head buffer.</summary>
    public int MaxHeaderBytes { get; set; } = 16 * 1024;

    /// <summary>Most header fields in one request before 431.</summary>
    public int MaxHeaderCount { get; set; } = 100;

    /// <summary>Largest request body (sent with GET or HEAD, or with a refused method) read and discarded; larger is 413.</summary>
    public long MaxDiscardedBodyBytes { get; set; } = 64 * 1024;

    /// <summary>How long a kept-alive connection may sit idle between requests.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a client may take from the first byte of a request head to its end (then 408).</summary>
    public TimeSpan HeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one chunk of a response may wait for the client to take it before the connection is reset.</summary>
    public TimeSpan ResponseStallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Bytes of file read into the output pipe per chunk.</summary>
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>Returns the problems with these limits (empty when valid).</summary>
    public IEnumerable<string> Validate()
    {
        if (MaxRequestLineBytes < 64)
        {
            yield return $"Http:MaxRequestLineBytes {MaxRequestLineBytes} is below 64.";
        }

        if (MaxHeaderBytes < MaxRequestLineBytes)
        {
            yield return $"Http:MaxHeaderBytes {MaxHeaderBytes} is below Http:MaxRequestLineBytes {MaxRequestLineBytes}.";
        }

        if (MaxHeaderCount < 1)
        {
            yield return $"Http:MaxHeaderCount {MaxHeaderCount} is below 1.";
        }

        if (MaxDiscardedBodyBytes < 0)
        {
            yield return $"Http:MaxDiscardedBodyBytes {MaxDiscardedBodyBytes} is negative.";
        }

        foreach (var (name, value) in new[] { ("IdleTimeout", IdleTimeout), ("HeadersTimeout", HeadersTimeout), ("ResponseStallTimeout", ResponseStallTimeout) })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                yield return $"Http:{name} {value} must be positive and at most a day.";
            }
        }

        if (ChunkSize is < 1024 or > 16 * 1024 * 1024)
        {
            yield return $"Http:ChunkSize {ChunkSize} must be between 1 KiB and 16 MiB.";
        }
    }
}
