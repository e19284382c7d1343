using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace RdmaOffload.Samples.AspNetCoreApp;

/// <summary>The endpoints: a page, a generated body of any size, a hash of the request body, a health probe.</summary>
public static class SampleEndpoints
{
    /// <summary>Largest body <c>GET /bytes/{n}</c> generates.</summary>
    public const long MaxGeneratedBytes = 1L << 32;

    private const string Page = """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>RdmaOffload sample</title></head>
        <body>
        <h1>Served through RdmaOffload</h1>
        <p>Try <a href="/bytes/1000000">/bytes/1000000</a>, <code>POST /sha256</code> or <a href="/health">/health</a>.</p>
        </body>
        </html>
        """;

    /// <summary>Byte <paramref name="index"/> of every generated body: deterministic, so clients can check it.</summary>
    public static byte PatternByte(long index) => (byte)((index * 31) + (index >> 11));

    /// <summary>Fills <paramref name="destination"/> with the pattern from stream offset <paramref name="offset"/>.</summary>
    public static void FillPattern(Span<byte> destination, long offset)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = PatternByte(offset + i);
        }
    }

    /// <summary>Maps the endpoints on <paramref name="app"/>.</summary>
    public static void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
        app.MapGet("/health", () => Results.Text("ok"));
        app.MapGet("/bytes/{n:long}", WriteBytesAsync);
        app.MapPost("/sha256", (Func<HttpContext, Task<IResult>>)HashBodyAsync);
    }

    // Written straight into the response's pipe: with the RdmaOffload transport its memory is registered, so the
    // adapter reads these bytes where they were generated.
    private static async Task WriteBytesAsync(HttpContext context, long n)
    {
        if (n is < 0 or > MaxGeneratedBytes)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = n;
        var writer = context.Response.BodyWriter;
        long written = 0;
        while (written < n)
        {
            var memory = writer.GetMemory();
            var chunk = (int)Math.Min(memory.Length, n - written);
            FillPattern(memory.Span[..chunk], written);
            writer.Advance(chunk);
            written += chunk;
            var flush = await writer.FlushAsync(context.RequestAborted);
            if (flush.IsCanceled || flush.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task<IResult> HashBodyAsync(HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var reader = context.Request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted);
            foreach (var segment in result.Buffer)
            {
                hash.AppendData(segment.Span);
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        return Results.Text(Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
