using System.Diagnostics;
using System.Security.Cryptography;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>Keep-alive rules, pipelining, timeouts and streaming over an in-memory pipe pair.</summary>
[TestFixture]
public sealed class ConnectionTests
{
    private TestRoot _root = null!;

    [SetUp]
    public void SetUp() => _root = new TestRoot();

    [TearDown]
    public void TearDown() => _root.Dispose();

    [Test]
    public async Task Http11_keeps_alive_until_connection_close()
    {
        await using var server = new PipeHarness(_root.Root);
        for (var i = 0; i < 3; i++)
        {
            Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
        }

        var last = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.That(last.Header("Connection"), Is.EqualTo("close"));
        Assert.That(await server.ServerClosedAsync(), Is.True);
        Assert.That(await server.Running, Is.EqualTo(HttpConnectionEnd.Graceful));
    }

    [Test]
    public async Task Http10_closes_by_default()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /hello.txt HTTP/1.0\r\n\r\n");
        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.0 200 OK"));
        Assert.That(response.Header("Connection"), Is.EqualTo("close"));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Http10_keep_alive_is_honoured_and_echoed()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /hello.txt HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        Assert.That(response.Header("Connection"), Is.EqualTo("keep-alive"));
        Assert.That((await server.ExchangeAsync("GET /page.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")).BodyText, Is.EqualTo("<h1>page</h1>"));
    }

    [Test]
    public async Task Pipelined_requests_in_one_write_get_responses_in_order()
    {
        await using var server = new PipeHarness(_root.Root);
        await server.SendAsync(
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
            "HEAD /page.html HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=3-5\r\n\r\n" +
            "GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" +
            "GET /never-served HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That((await server.ReadResponseAsync()).BodyText, Is.EqualTo("hello, world\n"));
        Assert.That((await server.ReadResponseAsync(isHead: true)).Header("Content-Length"), Is.EqualTo("13"));
        Assert.That((await server.ReadResponseAsync()).StatusCode, Is.EqualTo(404));
        Assert.That((await server.ReadResponseAsync()).BodyText, Is.EqualTo("345"));
        Assert.That((await server.ReadResponseAsync()).BodyText, Is.EqualTo("<h1>page</h1>"));
        Assert.That(await server.ServerClosedAsync(), Is.True, "nothing after Connection: close");
    }

    [Test]
    public async Task Responses_to_pipelined_requests_are_flushed_together()
    {
        await using var server = new PipeHarness(_root.Root);
        await server.SendAsync(
            "GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n" +
            "HEAD /page.html HTTP/1.1\r\nHost: x\r\n\r\n");
        var text = await server.ReadOneFlushAsync();
        Assert.That(text.Split("HTTP/1.1 ").Length - 1, Is.EqualTo(3), "one flush carried all three responses");
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200), "a lone request is flushed at once");
    }

    [Test]
    public async Task Request_split_byte_by_byte_is_parsed()
    {
        await using var server = new PipeHarness(_root.Root);
        foreach (var b in "GET /hello.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-4\r\n\r\n"u8.ToArray())
        {
            await server.SendAsync([b]);
        }

        Assert.That((await server.ReadResponseAsync()).BodyText, Is.EqualTo("hello"));
    }

    [Test]
    public async Task Client_close_ends_the_connection_gracefully()
    {
        await using var server = new PipeHarness(_root.Root);
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
        await server.FinishSendingAsync();
        Assert.That(await server.ServerClosedAsync(), Is.True);
        Assert.That(await server.Running.WaitAsync(PipeHarness.Timeout), Is.EqualTo(HttpConnectionEnd.Graceful));
    }

    [Test]
    public async Task Stopping_between_requests_closes_gracefully()
    {
        using var stopping = new CancellationTokenSource();
        await using var server = new PipeHarness(_root.Root, stopping: stopping.Token);
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
        await stopping.CancelAsync();
        Assert.That(await server.ServerClosedAsync(), Is.True);
        Assert.That(await server.Running.WaitAsync(PipeHarness.Timeout), Is.EqualTo(HttpConnectionEnd.Graceful));
    }

    [Test]
    public async Task Idle_keep_alive_connection_is_closed_after_the_idle_timeout()
    {
        await using var server = new PipeHarness(_root.Root, new HttpLimits { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
        var clock = Stopwatch.StartNew();
        Assert.That(await server.ServerClosedAsync(), Is.True);
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromMilliseconds(200)));
    }

    [Test]
    public async Task Slow_headers_get_408_after_the_headers_timeout_even_while_trickling()
    {
        var limits = new HttpLimits { HeadersTimeout = TimeSpan.FromMilliseconds(500), IdleTimeout = TimeSpan.FromSeconds(30) };
        await using var server = new PipeHarness(_root.Root, limits);
        var clock = Stopwatch.StartNew();
        var trickle = Task.Run(async () =>
        {
            foreach (var b in "GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: "u8.ToArray())
            {
                await server.SendAsync([b]);
                await Task.Delay(50);
            }
        });
        var response = await server.ReadResponseAsync();
        Assert.That(response.StatusCode, Is.EqualTo(408));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2.5)), "each new byte did not restart the timeout");
        Assert.That(await server.ServerClosedAsync(), Is.True);
        await trickle;
    }

    [Test]
    public async Task Body_trickling_slower_than_the_headers_timeout_gets_408()
    {
        var limits = new HttpLimits { HeadersTimeout = TimeSpan.FromMilliseconds(400), IdleTimeout = TimeSpan.FromSeconds(30) };
        await using var server = new PipeHarness(_root.Root, limits);
        var response = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nab");
        Assert.That(response.StatusCode, Is.EqualTo(200), "answered before the body is all in");
        Assert.That((await server.ReadResponseAsync()).StatusCode, Is.EqualTo(408));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Client_that_never_reads_is_reset_after_the_stall_timeout()
    {
        _root.Write("big.bin", RandomNumberGenerator.GetBytes(2 * 1024 * 1024));
        await using var server = new PipeHarness(_root.Root, new HttpLimits { ResponseStallTimeout = TimeSpan.FromMilliseconds(300) });
        await server.SendAsync("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(await server.Running.WaitAsync(PipeHarness.Timeout), Is.EqualTo(HttpConnectionEnd.Aborted));
    }

    [Test]
    public async Task Large_file_streams_intact_through_a_bounded_pipe()
    {
        var content = RandomNumberGenerator.GetBytes(5 * 1024 * 1024 + 123);
        _root.Write("big.bin", content);
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(SHA256.HashData(response.Body), Is.EqualTo(SHA256.HashData(content)));
        var tail = await server.ExchangeAsync("GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=-70000\r\n\r\n");
        Assert.That(tail.Body, Is.EqualTo(content[^70000..]));
    }

    [Test]
    public async Task Large_file_with_connection_close_is_sent_whole_then_closed()
    {
        var content = RandomNumberGenerator.GetBytes(1024 * 1024);
        _root.Write("big.bin", content);
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.That(SHA256.HashData(response.Body), Is.EqualTo(SHA256.HashData(content)));
        Assert.That(await server.ServerClosedAsync(), Is.True);
        Assert.That(await server.Running.WaitAsync(PipeHarness.Timeout), Is.EqualTo(HttpConnectionEnd.Graceful));
    }

    [Test]
    public async Task Empty_file_is_200_with_zero_length_and_any_range_is_416()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /empty.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Header("Content-Length"), Is.EqualTo("0"));
        Assert.That((await server.ExchangeAsync("GET /empty.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n")).StatusCode, Is.EqualTo(416));
    }
}
