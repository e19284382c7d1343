namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>The methods the server tells apart; every other method is <see cref="Other"/> (405).</summary>
internal enum HttpMethodKind
{
    Other,
    Get,
    Head,
}

/// <summary>
/// The parts of a request head the server acts on. One instance per connection, reset for every request; strings
/// are allocated only for the target and for the optional headers a request actually carries.
/// </summary>
internal sealed class HttpRequestHead
{
    public HttpMethodKind Method { get; set; }

    /// <summary>The request-target exactly as sent (visible ASCII).</summary>
    public string Target { get; set; } = "";

    /// <summary>True for HTTP/1.1 (and any 1.x above 1.0), false for HTTP/1.0.</summary>
    public bool IsHttp11 { get; set; }

    /// <summary>Whether the client wants the connection kept open after this response.</summary>
    public bool KeepAlive { get; set; }

    /// <summary>The declared body length, or -1 without Content-Length; saturates at <see cref="long.MaxValue"/>.</summary>
    public long ContentLength { get; set; } = -1;

    public bool HasTransferEncoding { get; set; }

    public string? Range { get; set; }

    public string? IfRange { get; set; }

    public string? IfNoneMatch { get; set; }

    public string? IfModifiedSince { get; set; }

    public int HeaderCount { get; set; }

    public void Reset()
    {
        Method = HttpMethodKind.Other;
        Target = "";
        IsHttp11 = false;
        KeepAlive = false;
        ContentLength = -1;
        HasTransferEncoding = false;
        Range = null;
        IfRange = null;
        IfNoneMatch = null;
        IfModifiedSince = null;
        HeaderCount = 0;
    }
}
