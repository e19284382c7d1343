using System.Buffers;
using System.Text;

namespace RdmaOffload.Samples.StaticFileServer.Http;

/// <summary>Writes a response head straight into the output pipe's memory: no strings, no intermediate buffer.</summary>
internal ref struct ResponseHeadWriter
{
    /// <summary>Room reserved for one head; every head the server writes fits well inside.</summary>
    public const int MaxLength = 2048;

    private readonly IBufferWriter<byte> _output;
    private readonly Span<byte> _span;
    private int _length;

    public ResponseHeadWriter(IBufferWriter<byte> output, int statusCode, bool keepAlive, bool isHttp11)
    {
        _output = output;
        _span = output.GetSpan(MaxLength);
        Write(isHttp11 ? "HTTP/1.1 "u8 : "HTTP/1.0 "u8);
        Number(statusCode);
        Write(" "u8);
        Write(ReasonPhrase(statusCode));
        Write("\r\nServer: RdmaOffload-StaticFileServer\r\nDate: "u8);
        Date(DateTime.UtcNow);
        if (!keepAlive)
        {
            Write("\r\nConnection: close"u8);
        }
        else if (!isHttp11)
        {
            Write("\r\nConnection: keep-alive"u8);
        }

        Write("\r\n"u8);
    }

    public void Header(ReadOnlySpan<byte> name, string value)
    {
        Write(name);
        Write(": "u8);
        _length += Encoding.Latin1.GetBytes(value, _span[_length..]);
        Write("\r\n"u8);
    }

    public void Header(ReadOnlySpan<byte> name, long value)
    {
        Write(name);
        Write(": "u8);
        Number(value);
        Write("\r\n"u8);
    }

    public void DateHeader(ReadOnlySpan<byte> name, DateTime utc)
    {
        Write(name);
        Write(": "u8);
        Date(utc);
        Write("\r\n"u8);
    }

    /// <summary>Content-Range: bytes first-last/length, or bytes */length when <paramref name="first"/> is negative.</summary>
    public void ContentRange(long first, long last, long length)
    {
        Write("Content-Range: bytes "u8);
        if (first < 0)
        {
            Write("*"u8);
        }
        else
        {
            Number(first);
            Write("-"u8);
            Number(last);
        }

        Write("/"u8);
        Number(length);
        Write("\r\n"u8);
    }

    /// <summary>Ends the head and hands it to the pipe.</summary>
    public void Commit()
    {
        Write("\r\n"u8);
        _output.Advance(_length);
    }

    public static ReadOnlySpan<byte> ReasonPhrase(int statusCode) => statusCode switch
    {
        200 => "OK"u8,
        206 => "Partial Content"u8,
        304 => "Not Modified"u8,
        400 => "Bad Request"u8,
        403 => "Forbidden"u8,
        404 => "Not Found"u8,
        405 => "Method Not Allowed"u8,
        408 => "Request Timeout"u8,
        413 => "Content Too Large"u8,
        414 => "URI Too Long"u8,
        416 => "Range Not Satisfiable"u8,
        431 => "Request Header Fields Too Large"u8,
        500 => "Internal Server Error"u8,
        505 => "HTTP Version Not Supported"u8,
        _ => "Unknown"u8,
    };

    private void Write(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_span[_length..]);
        _length += bytes.Length;
    }

    private void Number(long value)
    {
        value.TryFormat(_span[_length..], out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }

    private void Date(DateTime utc)
    {
        utc.TryFormat(_span[_length..], out var written, "R", System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
    }
}
