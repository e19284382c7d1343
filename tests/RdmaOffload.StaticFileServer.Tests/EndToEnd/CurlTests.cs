using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using RdmaOffload.Samples.StaticFileServer.Serving;

namespace RdmaOffload.StaticFileServer.Tests.EndToEnd;

/// <summary>The server program in kernel-socket mode (<c>--Listen:Tcp</c>) against the real curl.</summary>
[TestFixture]
[NonParallelizable]
public sealed class CurlTests
{
    private static readonly string[] ExpectedReuse = ["200 1", "200 0", "404 0", "200 0"];
    private TestRoot _root = null!;
    private IHost _host = null!;
    private string _base = "";
    private byte[] _large = [];

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _root = new TestRoot();
        _large = RandomNumberGenerator.GetBytes(20 * 1024 * 1024);
        _root.Write("large.bin", _large);
        _host = StaticFileServerApp.Build([$"--StaticFiles:Root={_root.Root}", "--Listen:Tcp=127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await _host.StartAsync();
        var endPoint = _host.Services.GetRequiredService<StaticFileService>().Tcp!.LocalEndPoint;
        _base = $"http://{endPoint}";
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _root.Dispose();
    }

    [Test]
    public async Task Get_returns_the_file()
    {
        var (exit, output, error) = await Curl.RunAsync("--include", $"{_base}/hello.txt");
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(output, Does.Contain("Content-Type: text/plain; charset=utf-8\r\n"));
        Assert.That(output, Does.EndWith("\r\n\r\nhello, world\n"));
    }

    [Test]
    public async Task Head_returns_headers_only()
    {
        var (exit, output, error) = await Curl.RunAsync("--head", $"{_base}/digits.bin");
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.StartWith("HTTP/1.1 200 OK\r\n"));
        Assert.That(output, Does.Contain("Content-Length: 10000\r\n"));
        Assert.That(output, Does.EndWith("\r\n\r\n"));
    }

    [Test]
    public async Task Range_returns_206_and_the_slice()
    {
        var (exit, output, error) = await Curl.RunAsync("--range", "100-109", "--write-out", "|%{http_code}", $"{_base}/digits.bin");
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Is.EqualTo("0123456789|206"));
        var (_, suffix, _) = await Curl.RunAsync("--range", "-3", $"{_base}/digits.bin");
        Assert.That(suffix, Is.EqualTo("789"));
    }

    [Test]
    public async Task Several_urls_in_one_invocation_reuse_one_connection()
    {
        var (exit, output, error) = await Curl.RunAsync(
            "--write-out", "%{http_code} %{num_connects}\n",
            "--output", "/dev/null", $"{_base}/hello.txt",
            "--output", "/dev/null", $"{_base}/docs/",
            "--output", "/dev/null", $"{_base}/missing",
            "--output", "/dev/null", $"{_base}/digits.bin");
        Assert.That(exit, Is.Zero, error);
        Assert.That(output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(ExpectedReuse), "one connect, then reuse");
    }

    [Test]
    public async Task Missing_file_is_404()
    {
        var (_, output, _) = await Curl.RunAsync("--write-out", "%{http_code}", "--output", "/dev/null", $"{_base}/no/such/file");
        Assert.That(output, Is.EqualTo("404"));
    }

    [TestCase("/../outside/secret.txt", "400")]
    [TestCase("/%2e%2e/outside/secret.txt", "400")]
    [TestCase("/docs/../../outside/secret.txt", "400")]
    [TestCase("/escape-dir/secret.txt", "404")]
    [TestCase("/etc-link/passwd", "404")]
    public async Task Traversal_with_path_as_is_is_refused(string path, string status)
    {
        var (exit, output, error) = await Curl.RunAsync("--path-as-is", "--write-out", "|%{http_code}", $"{_base}{path}");
        Assert.That(exit, Is.Zero, error);
        Assert.That(output, Does.EndWith("|" + status));
        Assert.That(output, Does.Not.Contain(TestRoot.SecretText));
    }

    [Test]
    public async Task Twenty_mebibyte_file_arrives_intact()
    {
        var target = Path.Combine(_root.Base, "downloaded.bin");
        var (exit, _, error) = await Curl.RunAsync("--output", target, $"{_base}/large.bin");
        Assert.That(exit, Is.Zero, error);
        Assert.That(SHA256.HashData(File.ReadAllBytes(target)), Is.EqualTo(SHA256.HashData(_large)));
    }

    [Test]
    public async Task Invalid_configuration_exits_non_zero_naming_every_problem()
    {
        var (exit, text) = await RunCapturingErrorsAsync("--StaticFiles:Root=/no/such/dir", "--RdmaOffload:Adapter=not-an-endpoint", "--Fabric:Provider=magic");
        Assert.That(exit, Is.EqualTo(StaticFileServerApp.ConfigurationError));
        Assert.That(text, Does.Contain("StaticFiles:Root '/no/such/dir' is not an existing directory."));
        Assert.That(text, Does.Contain("RdmaOffload:Adapter 'not-an-endpoint' is not an address:port."));
        Assert.That(text, Does.Contain("RdmaOffload:SharedSecretFile is required"));
        Assert.That(text, Does.Contain("Fabric:Provider 'magic' is unknown"));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Shared_secret_readable_by_others_is_a_configuration_error()
    {
        var secret = Path.Combine(_root.Base, "secret.key");
        await File.WriteAllTextAsync(secret, "a shared secret of 32 bytes.....");
        File.SetUnixFileMode(secret, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var (exit, text) = await RunCapturingErrorsAsync(
            $"--StaticFiles:Root={_root.Root}", "--RdmaOffload:Adapter=127.0.0.1:18515", $"--RdmaOffload:SharedSecretFile={secret}",
            "--RdmaOffload:HostIdentity=web-1", "--Fabric:Address=127.0.0.1");
        Assert.That(exit, Is.EqualTo(StaticFileServerApp.ConfigurationError));
        Assert.That(text, Does.Contain("chmod 600"));
    }

    private static async Task<(int ExitCode, string Errors)> RunCapturingErrorsAsync(params string[] args)
    {
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            var exit = await StaticFileServerApp.RunAsync(args).WaitAsync(TimeSpan.FromSeconds(30));
            return (exit, error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
