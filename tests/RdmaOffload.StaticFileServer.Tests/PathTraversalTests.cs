using RdmaOffload.Samples.StaticFileServer.Http;

namespace RdmaOffload.StaticFileServer.Tests;

/// <summary>No request reaches a file outside the root, however the path is spelled.</summary>
[TestFixture]
public sealed class PathTraversalTests
{
    private TestRoot _root = null!;

    [SetUp]
    public void SetUp() => _root = new TestRoot();

    [TearDown]
    public void TearDown() => _root.Dispose();

    // Refused while decoding the target: dot segments (any spelling), backslashes, NUL and other controls, bad escapes.
    [TestCase("/../outside/secret.txt")]
    [TestCase("/../../../../etc/passwd")]
    [TestCase("/docs/../../outside/secret.txt")]
    [TestCase("/%2e%2e/outside/secret.txt")]
    [TestCase("/%2E%2E/outside/secret.txt")]
    [TestCase("/.%2e/outside/secret.txt")]
    [TestCase("/%2e%2e%2foutside%2fsecret.txt")]
    [TestCase("/..%2foutside%2fsecret.txt")]
    [TestCase("/..%5coutside%5csecret.txt")]
    [TestCase("/..\\outside\\secret.txt")]
    [TestCase("/%5c..%5coutside%5csecret.txt")]
    [TestCase("/hello.txt%00.html")]
    [TestCase("/%00")]
    [TestCase("/%0a")]
    [TestCase("/./hello.txt")]
    [TestCase("/%c0%ae%c0%ae/outside/secret.txt")]
    [TestCase("http://x/../outside/secret.txt")]
    [TestCase("*")]
    [TestCase("outside/secret.txt")]
    public async Task Malicious_spellings_are_400(string target)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(400), target);
        Assert.That(response.BodyText, Does.Not.Contain(TestRoot.SecretText));
    }

    // Well-formed paths that name something outside the root (through links) or nothing: 404.
    [TestCase("/escape.txt")]
    [TestCase("/escape-relative.txt")]
    [TestCase("/escape-dir/secret.txt")]
    [TestCase("/escape-dir/")]
    [TestCase("/escape-index/")]
    [TestCase("/etc-link/passwd")]
    [TestCase("/etc-link/hostname")]
    [TestCase("//etc/passwd")]
    [TestCase("///outside/secret.txt")]
    [TestCase("/%252e%252e/outside/secret.txt")]
    [TestCase("/loop-b")]
    public async Task Paths_leading_outside_the_root_are_404(string target)
    {
        await using var server = new PipeHarness(_root.Root);
        var response = await server.ExchangeAsync($"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.That(response.StatusCode, Is.EqualTo(404), target);
        Assert.That(response.BodyText, Does.Not.Contain(TestRoot.SecretText));
    }

    [Test]
    public async Task A_link_that_stays_inside_the_root_is_served()
    {
        await using var server = new PipeHarness(_root.Root);
        Assert.That((await server.ExchangeAsync("GET /inner-link.txt HTTP/1.1\r\nHost: x\r\n\r\n")).BodyText, Is.EqualTo("hello, world\n"));
    }

    [Test]
    public async Task A_root_reached_through_a_link_still_confines_requests()
    {
        var linkedRoot = Path.Combine(_root.Base, "root-link");
        Directory.CreateSymbolicLink(linkedRoot, _root.Root);
        await using var server = new PipeHarness(linkedRoot);
        Assert.That((await server.ExchangeAsync("GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(200));
        Assert.That((await server.ExchangeAsync("GET /escape-relative.txt HTTP/1.1\r\nHost: x\r\n\r\n")).StatusCode, Is.EqualTo(404));
    }

    [Test]
    public void Resolver_answers_null_for_every_escape_and_a_path_under_the_root_otherwise()
    {
        var resolver = new FileResolver(_root.Root);
        foreach (var relative in new[] { "escape.txt", "escape-relative.txt", "escape-dir/secret.txt", "etc-link/passwd", "escape-index" })
        {
            Assert.That(resolver.Resolve(relative), Is.Null, relative);
        }

        Assert.That(resolver.Resolve("inner-link.txt"), Is.EqualTo(Path.Combine(resolver.Root, "hello.txt")));
        Assert.That(resolver.Resolve("docs"), Is.EqualTo(Path.Combine(resolver.Root, "docs", "index.html")));
    }

    [Test]
    public void Resolver_refuses_what_is_not_a_file_to_serve_and_follows_links_to_directories()
    {
        Directory.CreateDirectory(Path.Combine(_root.Root, "dir-index", "index.html")); // an index that is a directory
        Directory.CreateSymbolicLink(Path.Combine(_root.Root, "docs-link"), "docs");
        File.CreateSymbolicLink(Path.Combine(_root.Root, "dangling"), "nowhere.txt");
        var resolver = new FileResolver(_root.Root);
        foreach (var relative in new[] { "hello.txt/x", "missing", "missing/x", "bare", "dir-index", "dangling" })
        {
            Assert.That(resolver.Resolve(relative), Is.Null, relative);
        }

        Assert.That(resolver.Resolve("docs-link"), Is.EqualTo(Path.Combine(resolver.Root, "docs", "index.html")));
        Assert.That(resolver.Resolve("docs-link/index.html"), Is.EqualTo(Path.Combine(resolver.Root, "docs", "index.html")));
        Assert.That(resolver.Resolve("bare/note.txt"), Is.EqualTo(Path.Combine(resolver.Root, "bare", "note.txt")));
        Assert.That(resolver.Resolve(""), Is.Null, "the root has no index.html");
    }

    [Test]
    public void Canonicalize_resolves_links_like_realpath()
    {
        Assert.That(FileResolver.Canonicalize(Path.Combine(_root.Root, "escape-dir", "secret.txt")), Is.EqualTo(Path.Combine(FileResolver.Canonicalize(_root.Outside)!, "secret.txt")));
        Assert.That(FileResolver.Canonicalize(Path.Combine(_root.Root, "loop-a")), Is.Null, "link loops end");
        Assert.That(FileResolver.Canonicalize(Path.Combine(_root.Root, "missing", "x")), Is.Null);
    }
}
