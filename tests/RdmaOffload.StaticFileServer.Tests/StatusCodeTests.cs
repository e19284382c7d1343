using System.Text;
using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>Every status the server answers, over an in-memory pipe pair.</summary>
[TestFixture]
public sealed class StatusCodeTests
{
    private TestRoot _root = null!;

    [SetUp]
    public void SetUp() => _root = new TestRoot();

    [TearDown]
    public void TearDown() => _root.Dispose();

    [Test]
    public async Task Get_serves_the_file_with_type_length_and_validators()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusLine, Is.EqualTo("HTTP/1.1 200 OK"));
        Assert.That(response.BodyText, Is.EqualTo("hello, world\n"));
        Assert.That(response.Header("Content-Type"), Is.EqualTo("text/plain; charset=utf-8"));
        Assert.That(response.Header("Content-Length"), Is.EqualTo("13"));
        Assert.That(response.Header("Accept-Ranges"), Is.EqualTo("bytes"));
        Assert.That(response.Header("ETag"), Does.Match("^\"[0-9a-f]+-d\"$"));
        Assert.That(DateTime.TryParse(response.Header("Last-Modified"), System.Globalization.CultureInfo.InvariantCulture, out _), Is.True);
        Assert.That(response.Header("Connection"), Is.Null, "HTTP/1.1 keeps the connection by default");
    }

    [TestCase("/page.html", "text/html; charset=utf-8")]
    [TestCase("/style.css", "text/css; charset=utf-8")]
    [TestCase("/digits.bin", "application/octet-stream")]
    [TestCase("/docs/", "text/html; charset=utf-8")]
    public async Task Content_type_follows_the_extension(string path, string type)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Header("Content-Type"), Is.EqualTo(type));
    }

    [Test]
    public async Task Head_sends_the_headers_of_get_without_a_body()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("HEAD /digits.bin HTTP/1.1\r\nHost: x\r\n\r\n", isHead: true);
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Header("Content-Length"), Is.EqualTo("10000"));
        var next = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(next.BodyText, Is.EqualTo("hello, world\n"), "no body bytes were sent after the HEAD response");
    }

    [TestCase("bytes=0-9", 0, 9)]
    [TestCase("bytes=9990-", 9990, 9999)]
    [TestCase("bytes=-5", 9995, 9999)]
    [TestCase("bytes=5000-99999", 5000, 9999)]
    [TestCase("bytes=-20000", 0, 9999)]
    public async Task Range_is_206_with_content_range(string range, int first, int last)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: {range}\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(206));
        Assert.That(response.Header("Content-Range"), Is.EqualTo($"bytes {first}-{last}/10000"));
        Assert.That(response.Body, Is.EqualTo(_root.Digits[first..(last + 1)]));
    }

    [TestCase("bytes=10000-")]
    [TestCase("bytes=20000-30000")]
    [TestCase("bytes=-0")]
    public async Task Unsatisfiable_range_is_416_and_keeps_the_connection(string range)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: {range}\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(416));
        Assert.That(response.Header("Content-Range"), Is.EqualTo("bytes */10000"));
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
    }

    [TestCase("bytes=5-2")]
    [TestCase("bytes=0-1,5-6")]
    [TestCase("items=0-1")]
    [TestCase("bytes=abc")]
    public async Task Unusable_range_is_ignored_and_the_whole_file_served(string range)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: {range}\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(200));
        Assert.That(response.Body, Is.EqualTo(_root.Digits));
    }

    [Test]
    public async Task If_range_that_does_not_match_serves_the_whole_file()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: \"other\"\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(200));
        var etag = response.Header("ETag");
        var matching = await server.ExchangeAsync($"GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: {etag}\r\n\r\n");
        Assert.That(matching.StatusCode, Is.EqualTo(206));
    }

    [Test]
    public async Task If_none_match_with_the_current_etag_is_304()
    {
        await using var server = new PipeHarness(_root.Root);
        var first = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        var etag = first.Header("ETag");
        var again = await server.ExchangeAsync($"GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\", W/{etag}\r\n\r\n");
        Assert.That(again.StatusCode, Is.EqualTo(304));
        Assert.That(again.Header("ETag"), Is.EqualTo(etag));
        var other = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\"\r\n\r\n");
        Assert.That(other.StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task If_modified_since_not_before_last_modified_is_304()
    {
        await using var server = new PipeHarness(_root.Root);
        var first = await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n");
        var lastModified = first.Header("Last-Modified");
        Assert.That((await server.ExchangeAsync($"GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: {lastModified}\r\n\r\n")).StatusCode, Is.EqualTo(304));
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n\r\n")).StatusCode, Is.EqualTo(200));
    }

    [TestCase("/missing.txt")]
    [TestCase("/bare/")]
    [TestCase("/hello.txt/more")]
    [TestCase("/loop-a")]
    public async Task Missing_files_and_directories_without_index_are_404_and_keep_the_connection(string path)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(404));
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
    }

    [Test]
    public async Task Directory_with_index_serves_it_without_listing()
    {
        await using var server = new PipeHarness(_root.Root);
        Assert.That((await server.ExchangeAsync("GET /docs HTTP/1.1\r\nHost: x\r\n\r\n")).BodyText, Is.EqualTo("<p>docs index</p>"));
        Assert.That((await server.ExchangeAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(404), "the root has no index.html");
    }

    [Test]
    public async Task Percent_encoded_names_are_decoded()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync("GET /with%20space%20%C3%BC.txt?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.BodyText, Is.EqualTo("spaced"));
        Assert.That((await server.ExchangeAsync("GET http://example/hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200), "absolute-form");
    }

    [TestCase("POST")]
    [TestCase("PUT")]
    [TestCase("DELETE")]
    [TestCase("OPTIONS")]
    public async Task Other_methods_are_405_with_allow(string method)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"{method} /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde");
        Assert.That(response.StatusCode, Is.EqualTo(405));
        Assert.That(response.Header("Allow"), Is.EqualTo("GET, HEAD"));
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200), "the small body was skipped");
    }

    [TestCase("GARBAGE\r\n\r\n")]
    [TestCase("GET /hello.txt\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost : x\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\nHost: x\n\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n")]
    [TestCase("GET hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("GET /a%C3 HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("G(T /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")]
    [TestCase("GET /hello.txt HTTP/1.1\r\nHost: x\u0001y\r\n\r\n")]
    public async Task Malformed_requests_are_400_and_close(string request)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(400));
        Assert.That(response.Header("Connection"), Is.EqualTo("close"));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Unsupported_version_is_505()
    {
        await using var server = new PipeHarness(_root.Root);
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/2.0\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(505));
    }

    [TestCase("Content-Length: 70000")]
    [TestCase("Content-Length: 99999999999999999999999")]
    [TestCase("Transfer-Encoding: chunked")]
    public async Task Request_bodies_too_large_or_unbounded_are_413_and_close(string header)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /hello.txt HTTP/1.1\r\nHost: x\r\n{header}\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(413));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Small_body_on_get_is_discarded_even_when_it_arrives_in_pieces()
    {
        await using var server = new PipeHarness(_root.Root);
        await server.SendAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
        Assert.That((await server.ReadResponseAsync()).StatusCode, Is.EqualTo(200));
        await server.SendAsync("defghij");
        Assert.That((await server.ExchangeAsync("GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n")).BodyText, Is.EqualTo("<h1>page</h1>"));
    }

    [Test]
    public async Task Long_request_line_is_414()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /{new string('a', 9000)} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(414));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Long_request_line_without_end_is_414_without_waiting_for_more()
    {
        await using var server = new PipeHarness(_root.Root);
        Assert.That((await server.ExchangeAsync($"GET /{new string('a', 20000)}")).StatusCode, Is.EqualTo(414));
    }

    [Test]
    public async Task Headers_too_large_are_431()
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Big: {new string('b', 17000)}\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(431));
        Assert.That(await server.ServerClosedAsync(), Is.True);
    }

    [Test]
    public async Task Too_many_headers_are_431()
    {
        await using var server = new PipeHarness(_root.Root);
        var headers = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n"));
        Assert.That((await server.ExchangeAsync($"GET /hello.txt HTTP/1.1\r\nHost: x\r\n{headers}\r\n")).StatusCode, Is.EqualTo(431));
    }
}
