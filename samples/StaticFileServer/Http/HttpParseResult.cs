namespace RdmaOffload.Samples.StaticFileServer.Http;

internal enum HttpParseStatus
{
    /// <summary>More bytes are needed (and the limits allow them).</summary>
    Incomplete,

    /// <summary>A whole request head was parsed; <see cref="HttpParseResult.Consumed"/> bytes long.</summary>
    Complete,

    /// <summary>The bytes are not an acceptable request head: answer <see cref="HttpParseResult.StatusCode"/> and close.</summary>
    Error,
}

/// <summary>The outcome of parsing a request head; errors carry the status to answer and a fixed reason.</summary>
internal readonly record struct HttpParseResult(HttpParseStatus Status, int Consumed, int StatusCode, string Reason)
{
    public static readonly HttpParseResult Incomplete = new(HttpParseStatus.Incomplete, 0, 0, "");

    public static HttpParseResult Complete(int consumed) => new(HttpParseStatus.Complete, consumed, 0, "");

    public static HttpParseResult Error(int statusCode, string reason) => new(HttpParseStatus.Error, 0, statusCode, reason);
}
